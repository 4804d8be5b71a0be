"""Pathological texts for every regex the readers run: each builder gives about `size` characters."""

from __future__ import annotations


def _fill(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def closing_lines(size: int) -> str:
    return "Setuju\n" + _fill("Salam,\nTerima kasih\nHormat kami,\n", size)


def deep_quotes(size: int) -> str:
    return "Setuju\n" + _fill("> ", size) + "isi\n"


def many_quote_levels(size: int) -> str:
    return "Setuju\n" + "".join(("> " * (i % 60)) + "baris kutipan\n" for i in range(size // 70))


def long_line(size: int) -> str:
    return "Setuju " + _fill("kata ", size)


def long_word(size: int) -> str:
    return "Setuju\n" + _fill("a", size)


def at_signs(size: int) -> str:
    return "1.1.2026 " + _fill("a@", size) + ":"


def commas(size: int) -> str:
    return "> SETUJU untuk " + _fill("a,", size) + "x"


def attributions(size: int) -> str:
    return "Setuju\n" + _fill("Pada Sen, 30 Nov 2026 pukul 08.05 Liputan <a@b.c>\n", size)


def alternating(size: int) -> str:
    return "Setuju\n" + _fill("> kutipan yang panjang sekali dan belum selesai tanpa titik di akhir baris\nlanjutan\n", size)


def unfinished_wraps(size: int) -> str:
    return "Setuju\n> " + "kutipan panjang " * 5 + "\n" + _fill("lanjutan baris tanpa tanda kutip yang cukup panjang sekali ya\n", size)


def header_blocks(size: int) -> str:
    return "Setuju\n" + _fill("Dari: a\nKepada: b\n", size)


def spaces(size: int) -> str:
    return "Setuju\n" + " " * size + "x\n" + "\t \t" * (size // 3)


def dates(size: int) -> str:
    return _fill("Senin, 30 November 2026 pukul 08.00 WIB s.d. 09.00 WIB, ", size)


def words(size: int) -> str:
    return _fill("setuju tidak tolak revisi tapi belum, ", size)


def html_nested(size: int) -> str:
    return "<div>" * (size // 10) + "Setuju" + "</div>" * (size // 10)


TEXTS = {f.__name__: f for f in (closing_lines, deep_quotes, many_quote_levels, long_line, long_word, at_signs,
                                   commas, attributions, alternating, unfinished_wraps, header_blocks, spaces,
                                   dates, words)}
