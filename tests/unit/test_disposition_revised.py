"""A disposition given again after the next official sent it back (REVISI) replaces the earlier one
on the lembar disposisi, as the paper form would be rewritten (found with `liputan contoh`)."""

from __future__ import annotations

from harness import KABID, KADIS, Office, letter, reply
from test_workflow_bodies import BANTAN


def test_the_sheet_keeps_the_disposition_in_force_and_the_history_keeps_both(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan Peliputan", BANTAN))
    office.deliver(reply(office.last_to(KADIS), KADIS, "Setuju, koordinasikan dengan pihak kecamatan"))
    office.deliver(reply(office.last_to(KABID), KABID, "REVISI: mohon pastikan jam acara"))
    office.deliver(reply(office.last_to(KADIS), KADIS, "Setuju, jam acara sudah dikonfirmasi pukul 09.00"))
    sheet = office.document_text("lembar_disposisi")
    assert "jam acara sudah dikonfirmasi pukul 09.00" in sheet
    assert "koordinasikan dengan pihak kecamatan" not in sheet
    assert sheet.count("Drs. H. Johansyah Syafri, M.Si., disetujui melalui surel") == 1, sheet
    notes = [e[4] or "" for e in office.events(office.request().code)]
    assert any("koordinasikan dengan pihak kecamatan" in n for n in notes)  # the history keeps it
