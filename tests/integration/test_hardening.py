"""MemoryDenyWriteExecute= in the unit holds for what the daemon runs: with W^X enforced by the
kernel (PR_SET_MDWE, inherited by LibreOffice and unoserver), a letter still becomes a PDF."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent('''
    import ctypes, mmap, os, sys
    from pathlib import Path
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN (Linux >= 6.3)
        print("no-mdwe"); sys.exit(0)
    try:
        mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        print("mdwe-not-enforced"); sys.exit(1)
    except OSError:
        pass
    sys.path.insert(0, sys.argv[1])
    from docx import Document
    from daemon.paperwork.pdf import PdfConverter
    work = Path(sys.argv[2])
    doc = Document(); doc.add_paragraph("Surat Perintah Tugas"); doc.save(work / "spt.docx")
    converter = PdfConverter(work / "state")
    try:
        assert converter.available(), converter.reason
        pdf = converter.convert(work / "spt.docx")
        print("mode", converter.mode, "pdf", pdf, converter.reason)
    finally:
        converter.close()
''')


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                    reason="LibreOffice is not installed (no soffice on PATH)")
def test_libreoffice_converts_a_letter_with_memory_deny_write_execute(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    out = subprocess.run([sys.executable, "-c", CHILD, str(REPO), str(tmp_path)], capture_output=True,
                         text=True, timeout=180, cwd=tmp_path)
    if out.stdout.startswith("no-mdwe"):
        pytest.skip("the kernel has no PR_SET_MDWE (Linux < 6.3)")
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "spt.pdf").read_bytes().startswith(b"%PDF"), out.stdout + out.stderr
