"""kill -9 of a server in the middle of a run: another process ends it, and a client that was
streaming from the dead one re-attaches to the live one after the last sequence number it saw,
missing nothing and seeing nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistants.v1 import run_event_pb2, run_pb2, run_service_pb2, run_step_pb2
from tests.e2e.servers import server
from tests.e2e.test_restart import _first_key
from tests.fake_model import FakeModel, text
from tests.helpers import Client, fresh_database
from tests.runs.support import assistant, thread, wait_for_status

pytestmark = pytest.mark.slow
RS = run_service_pb2


async def test_a_run_survives_kill_9_of_its_server(tmp_path: Path, server_url: str) -> None:
    async with (
        FakeModel() as fake,
        fresh_database(server_url, "assistants_takeover") as url,
        server(tmp_path / "a", url, fake.base_url) as (target_a, lines, process_a),
    ):
        key = _first_key(lines)
        assert key
        fake.script(text("word " * 400, chunk_size=5, delay=0.02))
        client_a = Client(target_a, key)
        a = await assistant(client_a)
        t = await thread(client_a, "Tell me a long story.")
        stream = client_a.runs.CreateRunStream(
            RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id)
        )
        seen: list[run_event_pb2.RunEvent] = []
        async for event in stream:
            seen.append(event)
            if sum(e.event == "thread.message.delta" for e in seen) == 5:
                break
        stream.cancel()
        process_a.kill()
        await process_a.wait()
        await client_a.close()

        async with server(tmp_path / "b", url, fake.base_url) as (target_b, _, _):
            client_b = Client(target_b, key)
            rest = [
                event
                async for event in client_b.runs.StreamRun(
                    RS.StreamRunRequest(
                        thread_id=t.id,
                        run_id=seen[0].run.id,
                        after_sequence_number=seen[-1].sequence_number,
                    )
                )
            ]
            numbers = [e.sequence_number for e in seen + rest]
            assert numbers == list(range(1, len(numbers) + 1))
            assert [e.event for e in rest[-4:]] == [
                "thread.message.incomplete",
                "thread.run.step.failed",
                "thread.run.failed",
                "done",
            ]
            run = await wait_for_status(client_b, t.id, seen[0].run.id, {run_pb2.RUN_STATUS_FAILED})
            assert run.last_error.message
            steps = await client_b.runs.ListRunSteps(
                RS.ListRunStepsRequest(thread_id=t.id, run_id=run.id)
            )
            assert [s.status for s in steps.data] == [run_step_pb2.RUN_STEP_STATUS_FAILED]
            await client_b.close()
