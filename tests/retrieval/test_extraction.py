"""extract_text on small files of every format, made here, and its two error codes."""

from __future__ import annotations

import io
import json
import zipfile

import docx
import pytest

from service.retrieval.extraction import ExtractionError, extract_text


def minimal_pdf(*pages: str) -> bytes:
    """A PDF with one Helvetica text line per page, its xref offsets computed exactly."""
    count = len(pages)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{4 + 2 * i} 0 R".encode() for i in range(count))
        + f"] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, line in enumerate(pages):
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Quarterly report", level=1)
    document.add_paragraph("Revenue grew by twelve percent.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Region"
    table.cell(0, 1).text = "Sales"
    table.cell(1, 0).text = "North"
    table.cell(1, 1).text = "42"
    document.add_paragraph("Closing remarks after the table.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def error_of(data: bytes, filename: str) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        extract_text(data, filename)
    return caught.value


def test_plain_text_and_markdown_keep_their_text() -> None:
    assert extract_text(b"hello\r\nworld", "a.txt") == "hello\nworld\n"
    md = b"# Title\n\nSome *markdown* text.\n"
    assert extract_text(md, "README.md") == "# Title\n\nSome *markdown* text.\n"
    assert "Title" in extract_text(b"Title\n=====\n", "doc.rst")


def test_source_code_is_read_as_text() -> None:
    code = b"def add(a, b):\n    return a + b\n"
    for name in ("m.py", "m.js", "M.java", "m.go", "m.rs", "m.sql", "Makefile"):
        assert extract_text(code, name) == code.decode()


def test_encodings_utf8_bom_utf16_bom_and_ascii() -> None:
    text = "naïve café ✓"
    assert extract_text(text.encode("utf-16"), "u16.txt") == text + "\n"  # BOM included
    assert extract_text(b"\xfe\xff" + text.encode("utf-16-be"), "be.txt") == text + "\n"
    assert extract_text(b"\xef\xbb\xbf" + text.encode(), "bom.txt") == text + "\n"
    assert extract_text(b"plain ascii", "a.txt") == "plain ascii\n"


def test_undecodable_text_is_invalid() -> None:
    assert error_of("caf\xe9".encode("latin-1"), "latin1.txt").code == "invalid_file"
    assert error_of(b"abc\x00def", "nul.txt").code == "invalid_file"


def test_html_drops_scripts_and_styles_and_keeps_paragraphs() -> None:
    html = b"""<html><head><title>Page</title><style>p { color: red }</style>
    <script>var secret = "hidden";</script></head>
    <body><h1>Heading</h1><p>First   paragraph
    here.</p><p>Second &amp; last.</p><ul><li>one</li><li>two</li></ul>
    <table><tr><th>Name</th><th>Age</th></tr><tr><td>Ada</td><td>36</td></tr></table>
    <pre>keep
  this   layout</pre></body></html>"""
    text = extract_text(html, "page.html")
    assert "secret" not in text and "color" not in text
    assert "First paragraph here.\n\nSecond & last." in text
    assert "Heading\n\nFirst" in text
    assert "one\n\ntwo" in text
    assert "Name | Age\nAda | 36" in text
    assert "keep\nthis   layout" in text


def test_json_is_validated_and_pretty_printed() -> None:
    data = json.dumps({"name": "Ada", "langs": ["en", "fr"]}).encode()
    text = extract_text(data, "p.json")
    assert json.loads(text) == {"name": "Ada", "langs": ["en", "fr"]}
    assert '\n  "name": "Ada"' in text
    error = error_of(b'{"name": ', "broken.json")
    assert error.code == "invalid_file" and "JSON" in error.message


def test_csv_rows_become_lines() -> None:
    data = b'city,population\r\nParis,"2,100,000"\r\n\r\nLyon,500000\r\n'
    assert extract_text(data, "c.csv") == "city, population\nParis, 2,100,000\nLyon, 500000\n"


def test_pdf_text_is_extracted_page_by_page() -> None:
    text = extract_text(minimal_pdf("Hello from page one", "Second page (two)"), "doc.pdf")
    assert "Hello from page one" in text
    assert "Second page (two)" in text
    assert text.index("one") < text.index("Second")


def test_pdf_is_sniffed_whatever_its_name() -> None:
    assert "Sniffed" in extract_text(minimal_pdf("Sniffed"), "upload.bin")


def test_corrupt_pdf_is_invalid() -> None:
    good = minimal_pdf("Some text")
    for data in (b"%PDF-1.4\ngarbage", good[: len(good) // 2], b"%PDF-" + bytes(range(256))):
        assert error_of(data, "bad.pdf").code == "invalid_file"
    assert error_of(b"not a pdf at all", "fake.pdf").code == "invalid_file"


def test_pdf_without_text_is_invalid_with_a_clear_message() -> None:
    error = error_of(minimal_pdf(""), "scan.pdf")
    assert error.code == "invalid_file"
    assert "no extractable text" in error.message


def test_docx_paragraphs_and_tables_in_order() -> None:
    text = extract_text(make_docx(), "report.docx")
    assert "Quarterly report" in text
    assert "Region | Sales\nNorth | 42" in text
    assert text.index("twelve") < text.index("Region") < text.index("Closing")


def test_corrupt_docx_is_invalid() -> None:
    assert error_of(b"PK\x03\x04 truncated", "bad.docx").code == "invalid_file"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<not xml")
    assert error_of(buffer.getvalue(), "bad.docx").code == "invalid_file"


def test_unknown_extension_binary_is_unsupported() -> None:
    assert error_of(bytes(range(256)) * 4, "blob.xyz").code == "unsupported_file"
    assert error_of(b"\x89PNG\r\n\x1a\n....", "image.png").code == "unsupported_file"
    assert error_of(b"a,b\n1,2\n", "sheet.xlsx").code == "unsupported_file"


def test_unknown_extension_text_is_read_as_text() -> None:
    assert extract_text(b"[tool]\nname = 'x'\n", "settings.weird") == "[tool]\nname = 'x'\n"
    assert extract_text(b"FROM python:3.11\n", "Dockerfile") == "FROM python:3.11\n"


def test_empty_and_blank_files_are_invalid() -> None:
    for name in ("e.txt", "e.pdf", "e.docx", "e.json", "e.xyz"):
        assert error_of(b"", name).code == "invalid_file"
    assert error_of(b"  \n\t\n", "blank.txt").code == "invalid_file"
    assert error_of(b"<html><script>x()</script></html>", "empty.html").code == "invalid_file"
