"""SOP steps 10-15 on the engine: files handed in (shared folder or mail) are checked, previewed
to the Kasi, published channel by channel and archived; each happens once and shows in history."""

from __future__ import annotations

from pathlib import Path

import bagit
import pytest
from harness import KASI, NEWS, OPERATOR, Office, drop, folder_of, jpeg, quiet, reply, to_coverage
from sqlalchemy import select

from daemon.core.jobs import PermanentJobError
from daemon.core.models import DeliveryFile, Publication
from daemon.mail import mime

@pytest.fixture
def office(tmp_path):
    o = Office(tmp_path)
    o.cfg.delivery.public_root = r"\\fileserver\hasil-liputan"
    return o


def events(office: Office, code: str, kind: str) -> list[tuple]:
    return [e for e in office.events(code) if e[1] == kind]


def publications(office: Office) -> dict[str, str]:
    with office.factory() as s:
        return {p.channel: p.status for p in s.scalars(select(Publication))}


def test_the_team_is_told_where_its_folder_is_as_they_open_it(office):
    req = to_coverage(office)
    folder = folder_of(office, req)
    assert (folder / "BACA-SAYA.txt").is_file()
    body = mime.body_text(office.last_to(req.team[0]["email"]))
    assert "\\\\fileserver\\hasil-liputan\\2026\\" + folder.name in body
    assert str(office.cfg.paths.dropbox) not in body  # never the server's own path


def test_files_in_the_folder_lead_to_a_preview_then_publication_and_the_archive(office):
    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    drop(office, req, "foto-1.jpg", jpeg())
    drop(office, req, "foto-2.jpg", jpeg((20, 120, 200)))
    office.settle()
    assert office.request().step == 10  # not before the delivery goes quiet
    quiet(office)
    assert office.request().step == 11
    preview = office.last_to(KASI)
    assert "Mohon persetujuan publikasi" in mime.header(preview, "Subject")
    text = mime.body_text(preview)
    assert "Musrenbang Kecamatan Bantan Tetapkan 42 Usulan Prioritas" in text
    assert "menetapkan 42 usulan prioritas" in text  # the lead
    inline = [p for p in preview.walk() if p.get("Content-ID")]
    assert len(inline) == 2 and all(p.get_content_type() == "image/jpeg" for p in inline)
    html = next(p for p in preview.walk() if p.get_content_type() == "text/html").get_content()
    assert all(f'cid:{p["Content-ID"].strip("<>")}' in html for p in inline)

    office.deliver(reply(preview, KASI, "Setuju"))
    after = office.request()
    assert after.state == "done", office.events(req.code)[-6:]
    channels = publications(office)
    assert channels["website"] == "skipped" and channels["facebook"] == "skipped"
    assert channels["press"] == "done" and channels["archive"] == "done"
    press = [m for m in office.outbox() if mime.header(m, "X-Liputan-Kind") == "press"]
    media = {c.email for c in office.ctx.rules.office.media}
    assert {mime.addresses(m, "To")[0] for m in press} == media and len(press) == len(media)
    for m in press:
        assert sorted(a.filename for a in mime.attachments(m)) == ["foto-01.jpg", "foto-02.jpg"]
        assert "Musrenbang Kecamatan Bantan Tetapkan" in mime.body_text(m)
    skipped = [e[4] for e in events(office, req.code, "skipped") if e[0] in (12, 13)]
    assert any("situs web" in n and "tidak dikonfigurasi" in n for n in skipped)
    with office.factory() as s:
        bag_path = s.scalars(select(Publication.remote_id).where(Publication.channel == "archive")).one()
    bag = bagit.Bag(bag_path)
    bag.validate()
    names = set(bag.payload_files())
    assert "data/surat-permintaan.eml" in names
    assert any(n.endswith("berita.txt") for n in names) and any(n.endswith("foto-2.jpg") for n in names)
    assert any(n.startswith("data/naskah/") for n in names)


def test_a_missing_piece_is_asked_for_by_name(office):
    req = to_coverage(office)
    drop(office, req, "foto-1.jpg", jpeg())
    quiet(office)
    assert office.request().step == 10
    ask = office.last_to(req.team[0]["email"])
    assert "belum lengkap" in mime.header(ask, "Subject")
    assert "naskah berita" in mime.body_text(ask) and "foto-1.jpg" in mime.body_text(ask)
    drop(office, req, "berita.docx.txt", NEWS.encode())
    quiet(office)
    assert office.request().step == 11


def test_files_arriving_one_by_one_make_one_preview(office):
    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    for n in range(4):
        office.clock.advance(seconds=30)  # a slow copy: each file within the quiet time
        drop(office, req, f"foto-{n}.jpg", jpeg((n * 40, 90, 90)))
        office.settle()
    quiet(office)
    previews = [m for m in office.mail_to(KASI) if "persetujuan publikasi" in mime.header(m, "Subject")]
    assert len(previews) == 1
    assert len([p for p in previews[0].walk() if p.get("Content-ID")]) == 4


def test_a_revision_goes_back_to_the_writer_and_a_new_text_makes_a_new_preview(office):
    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    drop(office, req, "foto-1.jpg", jpeg())
    quiet(office)
    office.deliver(reply(office.last_to(KASI), KASI, "Revisi: judulnya terlalu panjang, persingkat."))
    assert office.request().step == 11
    writer_mail = office.last_to(req.team[0]["email"])
    assert "perbaikan" in mime.header(writer_mail, "Subject")
    assert "judulnya terlalu panjang" in mime.body_text(writer_mail)
    quiet(office)
    assert len([m for m in office.mail_to(KASI) if "persetujuan" in mime.header(m, "Subject")]) == 1
    drop(office, req, "berita.txt", NEWS.replace("Tetapkan 42 Usulan Prioritas", "Tetapkan Prioritas").encode())
    quiet(office)
    previews = [m for m in office.mail_to(KASI) if "persetujuan" in mime.header(m, "Subject")]
    assert len(previews) == 2 and "Musrenbang Kecamatan Bantan Tetapkan Prioritas" in mime.body_text(previews[-1])
    office.deliver(reply(previews[-1], KASI, "Setuju"))
    assert office.request().state == "done"


def test_a_rejected_preview_is_archived_but_published_nowhere(office):
    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    drop(office, req, "foto-1.jpg", jpeg())
    quiet(office)
    office.deliver(reply(office.last_to(KASI), KASI, "Tolak, foto tidak layak tayang."))
    assert office.request().state == "done"
    assert publications(office) == {"archive": "done"}
    assert not [m for m in office.outbox() if mime.header(m, "X-Liputan-Kind") == "press"]


def test_results_by_mail_are_received_and_the_sender_told(office):
    req = to_coverage(office)
    member = req.team[0]["email"]
    assignment = office.last_to(member)
    answer = reply(assignment, member, NEWS)
    answer.add_attachment(jpeg(), maintype="image", subtype="jpeg", filename="IMG_0001.jpg")
    answer.add_attachment(b"this is not a picture", maintype="image", subtype="jpeg", filename="IMG_0002.jpg")
    office.deliver(answer)
    told = office.last_to(member)
    body = mime.body_text(told)
    assert "IMG_0001.jpg" in body and "IMG_0002.jpg" in body and "folder bersama" in body
    with office.factory() as s:
        rows = {r.name: (r.kind, r.status) for r in s.scalars(select(DeliveryFile))}
    assert rows["IMG_0001.jpg"] == ("photo", "accepted")
    assert rows["IMG_0002.jpg"][1] == "quarantined"
    assert rows["berita-dari-surel.txt"] == ("news", "accepted")
    quiet(office)
    assert office.request().step == 11
    assert "persetujuan publikasi" in mime.header(office.last_to(KASI), "Subject")


def test_a_failing_channel_is_reported_and_does_not_block_the_others(office):
    def broken(job):
        if job.payload["channel"] == "press":
            raise PermanentJobError("SMTP relay refused the release")
        return real(job)

    real = office.jobs.handlers["publish"]
    office.jobs.handlers["publish"] = broken
    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    drop(office, req, "foto-1.jpg", jpeg())
    quiet(office)
    office.deliver(reply(office.last_to(KASI), KASI, "Setuju"))
    assert office.request().state == "done"
    assert publications(office)["press"] == "failed" and publications(office)["archive"] == "done"
    alert = office.last_to(OPERATOR)
    assert "SMTP relay refused the release" in mime.body_text(alert)


def test_a_press_bounce_is_recorded_against_the_contact(office):
    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    drop(office, req, "foto-1.jpg", jpeg())
    quiet(office)
    office.deliver(reply(office.last_to(KASI), KASI, "Setuju"))
    contact = office.ctx.rules.office.media[0].email
    press = next(m for m in office.outbox() if mime.header(m, "X-Liputan-Kind") == "press"
                 and contact in mime.addresses(m, "To"))
    dsn = bounce_for(press, contact)
    office.deliver(dsn)
    assert publications(office)[f"press:{contact}"] == "failed"
    assert any(contact in (e[4] or "") for e in events(office, req.code, "bounced"))


def bounce_for(original, rcpt: str) -> bytes:
    """A real Postfix DSN from the corpus, aimed at our press mail to `rcpt`."""
    raw = (Path(__file__).parents[1] / "data" / "bounces" / "01_postfix_dsn_rfc822.eml").read_text()
    raw = raw.replace("kadis.lama@bengkaliskab.go.id", rcpt)
    return raw.replace("<lpt-2026-0001.step2.abc@liputan.bengkaliskab.go.id>",
                       mime.header(original, "Message-ID")).encode()


def test_show_lists_the_files_and_the_channels(office, capsys):
    from argparse import Namespace

    from daemon.app import cli

    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    drop(office, req, "foto-1.jpg", jpeg())
    drop(office, req, "rusak.jpg", b"not a picture at all")
    quiet(office)
    office.deliver(reply(office.last_to(KASI), KASI, "Setuju"))
    assert cli.show(office.ctx, office.factory, Namespace(code=req.code, json=True)) == 0
    import json
    shown = json.loads(capsys.readouterr().out)
    files = {f["name"]: f for f in shown["files"]}
    assert files["foto-1.jpg"]["status"] == "accepted" and files["rusak.jpg"]["status"] == "quarantined"
    assert files["rusak.jpg"]["reason"]
    channels = {p["channel"]: p["status"] for p in shown["publications"]}
    assert channels["website"] == "skipped" and channels["archive"] == "done"
    assert any(e["kind"] == "quarantined" and "rusak.jpg" in e["note"] for e in shown["events"])


def test_a_share_that_is_away_does_not_stop_the_assignment(office, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("the share is not mounted")
    office.cfg.paths.dropbox = str(blocked)  # making a folder under it fails
    req = to_coverage(office)
    body = mime.body_text(office.last_to(req.team[0]["email"]))
    assert "\\\\fileserver\\hasil-liputan\\2026\\LPT-2026-0001 " in body
