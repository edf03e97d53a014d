"""A file's bytes to plain text, for file_search: text, Markdown, code, HTML, JSON, CSV, PDF, DOCX.

The format is chosen by the filename's extension; a few cheap sniffs come first, so a PDF or a
Word file is read as one whatever its name (the magic bytes "%PDF-" and a ZIP holding
"word/document.xml").

Text encodings are UTF-8 (with or without BOM), UTF-16 with a BOM, and so ASCII: what the
reference accepts for `text/*`. Anything else is `invalid_file`, as is text holding NUL
characters (binary data under a text name, and PostgreSQL text cannot hold NUL).

Unknown extensions. The reference accepts "common code, text and office formats" and names no
closed list, so a file whose extension is not known here is read as plain text when its bytes
are UTF-8 (or BOM-marked UTF-16) text without NUL characters: a Dockerfile, a .toml or a
.proto is searchable without listing every code extension. Anything else under an unknown
extension is `unsupported_file`, and so are known formats not read here (images, archives,
spreadsheets, presentations, legacy .doc).

Every failure is an ExtractionError: the parsers of untrusted PDF and DOCX raise many kinds of
exception, and each is wrapped (`invalid_file`), so the caller sees exactly two codes.
Empty files, and files with no text at all (a scanned PDF), are `invalid_file`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Literal

logger = logging.getLogger(__name__)

ErrorCode = Literal["unsupported_file", "invalid_file"]


class ExtractionError(Exception):
    """The file cannot become text: `code` is the vector store file's last_error code."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message


_TEXT_EXTENSIONS = frozenset(
    """
    txt text md markdown mdx rst adoc asciidoc org log tex bib xml svg yaml yml toml ini cfg
    conf env properties py pyi js mjs cjs jsx ts tsx java c cc cpp cxx h hh hpp hxx cs go rb
    php sh bash zsh fish ps1 bat rs kt kts swift sql css scss sass less scala clj lua pl pm r
    m mm dart ex exs erl hs ml vue svelte proto graphql gradle cmake mk dockerfile makefile
    ipynb
    """.split()  # noqa: SIM905 - a word list reads better
)
_HTML_EXTENSIONS = frozenset({"html", "htm", "xhtml"})
_UNSUPPORTED_EXTENSIONS = frozenset(
    """
    png jpg jpeg gif webp bmp tiff ico zip tar gz tgz bz2 xz 7z rar xlsx xls pptx ppt doc odt
    ods odp rtf epub mp3 mp4 wav mov avi exe dll so bin dylib class jar pyc
    """.split()  # noqa: SIM905 - a word list reads better
)


def extract_text(data: bytes, filename: str) -> str:
    """The text of a file; raises ExtractionError (`unsupported_file` or `invalid_file`)."""
    if not data:
        raise ExtractionError("invalid_file", f"The file {filename!r} is empty.")
    reader = _reader_for(data, _extension(filename))
    if reader is None:
        raise ExtractionError(
            "unsupported_file", f"The file type of {filename!r} is not supported for retrieval."
        )
    text = _clean(reader(data))
    if not text.strip():
        raise ExtractionError("invalid_file", f"The file {filename!r} contains no text.")
    return text


def _extension(filename: str) -> str:
    """The lowercase extension, or the whole lowercase name for Makefile and Dockerfile."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name.rsplit(".", 1)[1] if "." in name.strip(".") else name


def _reader_for(data: bytes, ext: str) -> Callable[[bytes], str] | None:
    """The reader of a file: sniffed PDF and DOCX first, then by extension."""
    if data.startswith(b"%PDF-") or ext == "pdf":
        return _pdf
    if ext == "docx" or (data.startswith(b"PK\x03\x04") and _is_docx(data)):
        return _docx
    readers: dict[str, Callable[[bytes], str]] = {
        "json": _json,
        "jsonl": _jsonl,
        "ndjson": _jsonl,
        "csv": lambda d: _delimited(d, ","),
        "tsv": lambda d: _delimited(d, "\t"),
    }
    if ext in readers:
        return readers[ext]
    if ext in _HTML_EXTENSIONS:
        return _html
    if ext in _TEXT_EXTENSIONS:
        return decode_text
    if ext in _UNSUPPORTED_EXTENSIONS:
        return None
    try:
        decode_text(data)
    except ExtractionError:
        return None
    return decode_text


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _clean(text: str) -> str:
    """Unix newlines, no NUL (PDF text can hold some), no trailing blanks at the end."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").rstrip() + "\n"


# Text.


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM optional) or UTF-16 with a BOM; NUL characters mean binary: invalid_file."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        raise ExtractionError(
            "invalid_file", f"The file is not valid UTF-8, UTF-16 or ASCII text ({e.reason})."
        ) from None
    if "\x00" in text:
        raise ExtractionError("invalid_file", "The file holds binary data, not text.")
    return text


# JSON and CSV.


def _json(data: bytes) -> str:
    try:
        value = json.loads(decode_text(data))
    except json.JSONDecodeError as e:
        raise ExtractionError("invalid_file", f"The file is not valid JSON: {e}.") from None
    return json.dumps(value, indent=2, ensure_ascii=False)


def _jsonl(data: bytes) -> str:
    lines = []
    for number, line in enumerate(decode_text(data).splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise ExtractionError(
                "invalid_file", f"Line {number} is not valid JSON: {e.msg}."
            ) from None
        lines.append(json.dumps(value, ensure_ascii=False))
    return "\n".join(lines)


def _delimited(data: bytes, delimiter: str) -> str:
    """One line per row, cells joined by ", " (tabs for TSV), blank rows dropped."""
    joiner = ", " if delimiter == "," else "\t"
    try:
        rows = list(csv.reader(io.StringIO(decode_text(data), newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise ExtractionError("invalid_file", f"The file is not valid CSV: {e}.") from None
    return "\n".join(joiner.join(cell.strip() for cell in row) for row in rows if any(row))


# HTML.

_BLOCK_TAGS = frozenset(
    """
    address article aside blockquote body br caption dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section
    summary table tbody thead title tr ul
    """.split()  # noqa: SIM905 - a word list reads better
)
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object"})
_VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "wbr"})


class _HtmlText(HTMLParser):
    """Visible text: skipped tags dropped, block tags as paragraph breaks, <pre> kept as is,
    a table row on one line with its cells joined by " | "."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._pre = 0
        self._cells = 0  # cells seen in the current table row

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "pre":
            self._pre += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n" if tag in ("br", "tr") else "\n\n")
        if tag == "tr":
            self._cells = 0
        elif tag in ("td", "th"):
            self.parts.append(" | " if self._cells else "")
            self._cells += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _BLOCK_TAGS and tag not in _VOID_TAGS and tag != "tr":
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        self.parts.append(data if self._pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        joined = "".join(self.parts)
        lines = (line.strip() for line in joined.split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _html(data: bytes) -> str:
    parser = _HtmlText()
    try:
        parser.feed(decode_text(data))
        parser.close()
    except (AssertionError, ValueError) as e:  # html.parser's own failures on broken markup
        raise ExtractionError("invalid_file", f"The HTML cannot be parsed: {e}.") from None
    return parser.text()


# PDF and DOCX. Their parsers raise many kinds of exception on hostile or broken input; any of
# them means the file is invalid, so they are caught broadly and wrapped.


def _pdf(data: bytes) -> str:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("invalid_file", "The PDF is encrypted with a password.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except Exception as e:  # any parser failure is an invalid file
        logger.info("PDF extraction failed: %s: %s", type(e).__name__, e)
        raise ExtractionError("invalid_file", "The PDF is corrupt or cannot be read.") from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise ExtractionError(
            "invalid_file",
            "The PDF has no extractable text (it may be scanned images; OCR is not done).",
        )
    return text


def _docx(data: bytes) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_docx_blocks(document))
    except Exception as e:  # any parser failure is an invalid file
        logger.info("DOCX extraction failed: %s: %s", type(e).__name__, e)
        raise ExtractionError(
            "invalid_file", "The Word document is corrupt or cannot be read."
        ) from None
    return "\n\n".join(block for block in blocks if block.strip())


def _docx_blocks(document: object) -> Iterator[str]:
    """Paragraphs and tables in document order; a table row is one line, cells joined by |."""
    from docx.table import Table

    for item in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Table):
            rows = (" | ".join(cell.text.strip() for cell in row.cells) for row in item.rows)
            yield "\n".join(rows)
        else:
            yield item.text
