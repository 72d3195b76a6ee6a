"""The messages' words in pt-BR and en, and one layout for all of them: a subject, an opening
line, items each with its link to the panel, and a closing line, as plain text and as HTML."""

from dataclasses import dataclass
from datetime import date
from html import escape

WORDS = {
    "pt-BR": {
        "overdue": "Vencido",
        "due_soon": "Vence em breve",
        "kind.reminder": "Manutenção",
        "kind.document": "Documento",
        "kind.licensing": "Licenciamento",
        "kind.cnh": "CNH",
        "kind.toxicology": "Exame toxicológico",
        "kind.fine_payment": "Multa a pagar",
        "kind.fine_identification": "Multa: indicar o condutor",
        "kind.defect": "Defeito",
        "vehicle": "veículo",
        "on": "em",
        "at_km": "aos {km} km",
        "still_overdue": "ainda vencido",
        "digest.subject": "Frota: {n} item(ns) a vencer ou vencidos",
        "digest.intro": "O que há de novo, mudou ou segue vencido na frota:",
        "outro": "Abra o painel para ver tudo: {url}",
        "why": "Você recebe este e-mail pelas suas preferências de notificação no Frota.",
        "cnh.subject": "Frota: sua CNH vence em {days} dia(s)",
        "cnh.expired": "Frota: sua CNH venceu",
        "cnh.line": "Sua CNH vence em {date}.",
        "cnh.line_expired": "Sua CNH venceu em {date}; não dirija até renová-la.",
        "toxicology.subject": "Frota: seu exame toxicológico vence em {days} dia(s)",
        "toxicology.expired": "Frota: seu exame toxicológico está vencido",
        "toxicology.line": "Seu exame toxicológico vence em {date}.",
        "toxicology.line_expired": "Seu exame toxicológico está vencido ou não está no sistema.",
        "own.intro": "Um aviso sobre você:",
        "fine_deadline.subject": "Frota: multa do {plate} sem condutor indicado, prazo {date}",
        "fine_deadline.intro": "Indique o condutor desta multa antes do prazo, ou ela será "
        "multiplicada:",
        "critical.subject": "Frota: defeito crítico, {plate} fora de circulação",
        "critical.intro": "Um defeito crítico foi registrado; o veículo não pode sair:",
        "named.subject": "Frota: uma multa do {plate} foi atribuída a você",
        "named.intro": "Uma multa foi atribuída a você:",
        "resolved.subject": "Frota: o defeito que você relatou no {plate} foi resolvido",
        "resolved.intro": "O defeito que você relatou foi resolvido:",
        "test.subject": "Frota: mensagem de teste",
        "test.intro": "Esta é uma mensagem de teste das suas notificações no Frota.",
        "defect": "defeito",
        "fine": "multa",
        "amount": "valor R$ {amount}",
    },
    "en": {
        "overdue": "Overdue",
        "due_soon": "Due soon",
        "kind.reminder": "Maintenance",
        "kind.document": "Document",
        "kind.licensing": "Licensing",
        "kind.cnh": "CNH",
        "kind.toxicology": "Toxicology exam",
        "kind.fine_payment": "Fine to pay",
        "kind.fine_identification": "Fine: name the driver",
        "kind.defect": "Defect",
        "vehicle": "vehicle",
        "on": "on",
        "at_km": "at {km} km",
        "still_overdue": "still overdue",
        "digest.subject": "Frota: {n} item(s) due or overdue",
        "digest.intro": "What is new, changed or still overdue in the fleet:",
        "outro": "Open the panel to see everything: {url}",
        "why": "You receive this e-mail because of your notification preferences in Frota.",
        "cnh.subject": "Frota: your CNH expires in {days} day(s)",
        "cnh.expired": "Frota: your CNH has expired",
        "cnh.line": "Your CNH expires on {date}.",
        "cnh.line_expired": "Your CNH expired on {date}; do not drive until it is renewed.",
        "toxicology.subject": "Frota: your toxicology exam expires in {days} day(s)",
        "toxicology.expired": "Frota: your toxicology exam has expired",
        "toxicology.line": "Your toxicology exam expires on {date}.",
        "toxicology.line_expired": "Your toxicology exam has expired or is not on file.",
        "own.intro": "A notice about you:",
        "fine_deadline.subject": "Frota: fine of {plate} with no driver named, deadline {date}",
        "fine_deadline.intro": "Name the driver of this fine before the deadline, or it will be "
        "multiplied:",
        "critical.subject": "Frota: critical defect, {plate} grounded",
        "critical.intro": "A critical defect was reported; the vehicle may not leave:",
        "named.subject": "Frota: a fine of {plate} was assigned to you",
        "named.intro": "A fine was assigned to you:",
        "resolved.subject": "Frota: the defect you reported on {plate} was resolved",
        "resolved.intro": "The defect you reported was resolved:",
        "test.subject": "Frota: test message",
        "test.intro": "This is a test message of your notifications in Frota.",
        "defect": "defect",
        "fine": "fine",
        "amount": "amount R$ {amount}",
    },
}


def words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["pt-BR"])


def fmt_date(value: date | None, language: str) -> str:
    if value is None:
        return "—"
    return value.strftime("%d/%m/%Y") if language == "pt-BR" else value.isoformat()


@dataclass(frozen=True)
class Line:
    """One item of a message: its text and the panel link it opens."""

    text: str
    link: str | None = None


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def compose(language: str, subject: str, intro: str, lines: list[Line], panel_url: str) -> Message:
    """The same content as plain text and as HTML; every link absolute (PUBLIC_URL)."""
    w = words(language)
    outro = w["outro"].format(url=panel_url)
    text_lines = [intro, ""]
    for line in lines:
        text_lines.append(f"- {line.text}")
        if line.link:
            text_lines.append(f"  {line.link}")
    text_lines += ["", outro, "", "-- ", w["why"]]
    items = "".join(
        f'<li><a href="{escape(line.link)}">{escape(line.text)}</a></li>'
        if line.link
        else f"<li>{escape(line.text)}</li>"
        for line in lines
    )
    html = (
        f'<!DOCTYPE html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body>"
        f"<p>{escape(intro)}</p><ul>{items}</ul>"
        f'<p><a href="{escape(panel_url)}">{escape(outro)}</a></p>'
        f'<p style="color:#666;font-size:small">{escape(w["why"])}</p></body></html>'
    )
    return Message(subject=subject, text="\n".join(text_lines) + "\n", html=html)
