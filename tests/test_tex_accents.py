"""TeX accents in arXiv names, titles and abstracts become Unicode; math is left alone."""

from __future__ import annotations

import pytest

from digestgen.pages.tex_accents import decode_accents, decode_name


@pytest.mark.parametrize("tex, text", [
    (r"Benjamin R\'emy", "Benjamin Rémy"),
    (r"Pawe{\l} Niedbalski", "Paweł Niedbalski"),
    (r"Jaros{\l}aw \.Zygierewicz", "Jarosław Żygierewicz"),
    (r"V\'aclav Vavry\v{c}uk", "Václav Vavryčuk"),
    (r"Serdar Kad{\i}o\u{g}lu", "Serdar Kadıoğlu"),
    (r"Sofie Castro Holb{\ae}k", "Sofie Castro Holbæk"),
    (r"Rasmus Mar{\aa}k", "Rasmus Maråk"),
    (r"Luis Mendon\c{c}a", "Luis Mendonça"),
    (r"\v{S}imon Sedl\'a\v{c}ek", "Šimon Sedláček"),
    (r"Emil Bj\"ornson, \"Ozlem Tu\u{g}fe Demir", "Emil Björnson, Özlem Tuğfe Demir"),
    (r"Maciej Zi\k{e}ba", "Maciej Zięba"),
    (r"Gu{\dh}mundur K. Stef\'ansson", "Guðmundur K. Stefánsson"),
    (r"Simone T\^etu", "Simone Têtu"),
    (r"Jeppe Liborius Sj{\o}rup", "Jeppe Liborius Sjørup"),
    (r"Caleb I. Ca\~nas", "Caleb I. Cañas"),
    (r"C\u{a}t\u{a}lin Pa\c{s}cu Moca", "Cătălin Paşcu Moca"),
    (r"Pablo G\'{o}mez", "Pablo Gómez"),
    (r"Pablo G{\'o}mez", "Pablo Gómez"),
    (r"Erd\H{o}s", "Erdős"),
    (r"Y\`eli", "Yèli"),
    (r"Stra\ss e", "Straße"),
    (r"Na\"{\i}ve", "Naïve"),
    ("Plain Name", "Plain Name"),
])
def test_names(tex, text):
    assert decode_name(tex) == text


def test_math_and_other_commands_are_kept():
    title = r"Schr\"odinger operators with $\"{u}$ and {\Lambda}CDM, $\alpha$ and \emph{x}"
    assert decode_accents(title) == (
        r"Schrödinger operators with $\"{u}$ and {\Lambda}CDM, $\alpha$ and \emph{x}")
    assert decode_accents(r"the R\'{e}nyi entropy \[\tilde{O}(n)\] at 25\%") == (
        r"the Rényi entropy \[\tilde{O}(n)\] at 25\%")


def test_text_without_commands_is_returned_as_is():
    text = "A plain title: {braces} stay"
    assert decode_accents(text) is text
