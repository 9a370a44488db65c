"""Report e-mails and certification reminders through the configured SMTP server (the
standard library's ``smtplib``).

A failure is sorted here, at the boundary, into what a retry may cure and what it cannot:
SMTP's 4xx replies, a dropped or refused connection and a timeout are temporary; a 5xx reply
(an unknown recipient, a refused sender, a message rejected as such) is permanent, and
sending again would only be refused again.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from plansmith.config import MailSettings, TlsMode
from plansmith.reports.email import EmailBody


class SendFailed(Exception):
    """The server did not take the message; ``reason`` is what the log shows."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class Attachment:
    data: bytes
    filename: str
    media_type: str  # "application/pdf"; a charset parameter is dropped


def report_message(
    mail: MailSettings,
    to_name: str,
    to_address: str,
    body: EmailBody,
    attachment: Attachment,
    one_click_url: str,
) -> EmailMessage:
    """The e-mail: plain text and HTML alternatives, the report attached, and the headers
    that let a mail client offer unsubscribing itself (RFC 2369 and the one-click POST of
    RFC 8058, which ``one_click_url`` answers)."""
    message = notice_message(mail, to_name, to_address, body, one_click_url)
    maintype, _, subtype = attachment.media_type.split(";")[0].strip().partition("/")
    message.add_attachment(
        attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
    )
    return message


def notice_message(
    mail: MailSettings, to_name: str, to_address: str, body: EmailBody, one_click_url: str
) -> EmailMessage:
    """An e-mail with no attachment (a certification reminder), with the same headers."""
    message = EmailMessage()
    message["From"] = mail.from_address
    message["To"] = formataddr((to_name, to_address))
    message["Subject"] = body.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=mail.from_address.rpartition("@")[2] or None)
    message["List-Unsubscribe"] = f"<{one_click_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body.text)
    message.add_alternative(body.html, subtype="html")
    return message


def _connect(mail: MailSettings) -> smtplib.SMTP:
    if mail.tls is TlsMode.TLS:
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout, context=context)
    client = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
    if mail.tls is TlsMode.STARTTLS:
        client.starttls(context=ssl.create_default_context())
    return client


def send(mail: MailSettings, message: EmailMessage) -> None:
    """Hand ``message`` to the server; :class:`SendFailed` when it does not take it."""
    try:
        with _connect(mail) as client:
            if mail.user is not None and mail.password is not None:
                client.login(mail.user, mail.password)
            refused = client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _failed(code, text) from None
    except smtplib.SMTPResponseException as exc:
        raise _failed(exc.smtp_code, exc.smtp_error) from None
    except (smtplib.SMTPException, OSError) as exc:
        # Refused or dropped connections, timeouts, TLS handshakes: the server may be back.
        raise SendFailed(f"{type(exc).__name__}: {exc}", permanent=False) from None
    if refused:  # only some recipients refused; one recipient per message, so none is here
        code, text = next(iter(refused.values()))
        raise _failed(code, text)


def _failed(code: int, text: bytes | str) -> SendFailed:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return SendFailed(f"{code} {words}".strip(), permanent=500 <= code < 600)
