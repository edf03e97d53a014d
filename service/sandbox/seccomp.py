"""The seccomp filter every sandbox runs under: system calls no notebook needs, refused.

A classic BPF program, assembled here (bwrap --seccomp takes one compiled), with no library:
on x86_64 it refuses, with EPERM, the calls that widen the kernel surface code can reach
(io_uring, keyrings, ptrace, perf, bpf, userfaultfd, mounting, namespaces, modules, kexec),
the x32 ABI, and every call made through another architecture's entry (i386's int 0x80).
Everything else is allowed. On other architectures there is no filter (program() is None):
the numbers below are x86_64's.
"""

from __future__ import annotations

import errno
import os
import platform
import struct

# struct seccomp_data: int nr; __u32 arch; ...
_NR_OFFSET = 0
_ARCH_OFFSET = 4
_LD_ABS_W = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000
_DENY = 0x00050000 | errno.EPERM  # SECCOMP_RET_ERRNO
_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000

DENIED_X86_64 = {
    "ptrace": 101,
    "acct": 163,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "lookup_dcookie": 212,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
    "pivot_root": 155,
}


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def program() -> bytes | None:
    """The compiled filter for this machine, or None where there is none."""
    if platform.machine() != "x86_64":
        return None
    numbers = sorted(DENIED_X86_64.values())
    # Instruction layout: [arch check, deny] [load nr, x32 check] [a check per number]
    # [allow] [deny]; jumps count instructions from the next one.
    ops = [
        _op(_LD_ABS_W, _ARCH_OFFSET),
        _op(_JEQ_K, _AUDIT_ARCH_X86_64, jt=1, jf=0),
        _op(_RET_K, _DENY),
        _op(_LD_ABS_W, _NR_OFFSET),
        _op(_JGE_K, _X32_BIT, jt=len(numbers) + 1, jf=0),
    ]
    for i, number in enumerate(numbers):
        ops.append(_op(_JEQ_K, number, jt=len(numbers) - i, jf=0))
    ops += [_op(_RET_K, _ALLOW), _op(_RET_K, _DENY)]
    return b"".join(ops)


def program_fd() -> int | None:
    """A readable descriptor holding the filter, for bwrap --seccomp (the caller closes it),
    or None where there is no filter."""
    compiled = program()
    if compiled is None:
        return None
    fd = os.memfd_create("seccomp", os.MFD_CLOEXEC)
    os.write(fd, compiled)
    os.lseek(fd, 0, os.SEEK_SET)
    os.set_inheritable(fd, True)
    return fd
