"""Other tools' binary files (.mpp, Primavera .xer, .mpx) through MPXJ, as MS Project XML.

MPXJ (the ``mpxj`` package: a Java library with a Python bridge, JPype) reads dozens of project
formats that no Python library reads, and writes MSPDI. We let it do exactly that and then read
the MSPDI as any other, so one reader, one fidelity report and one date check serve every
format. It is an optional extra (``pip install 'plansmith[mpxj]'``) that needs a Java runtime;
without one, a clear message says what to install. The JVM starts once per process, on the
first such file.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

MPXJ_SUFFIXES = (".mpp", ".mpt", ".mpx", ".xer")
_START = threading.Lock()


class MpxjUnavailable(Exception):
    """MPXJ or a Java runtime is missing; the message says what to install."""


class MpxjUnreadable(Exception):
    """MPXJ could not read the file; the message is MPXJ's."""


def _started() -> None:
    try:
        import jpype
        import mpxj  # noqa: F401  (puts MPXJ's jars on the class path)
    except ImportError:
        raise MpxjUnavailable(
            "reading .mpp, .xer and .mpx files needs the 'mpxj' extra: "
            "pip install 'plansmith[mpxj]' (and a Java runtime, 11 or newer)"
        ) from None
    with _START:
        if jpype.isJVMStarted():
            return
        try:
            jpype.startJVM(jpype.getDefaultJVMPath(), convertStrings=True)
        except (jpype.JVMNotFoundException, jpype.JVMNotSupportedException, OSError) as exc:
            raise MpxjUnavailable(
                f"reading .mpp, .xer and .mpx files needs a Java runtime (11 or newer), for "
                f"example Debian's default-jre-headless; none was found ({exc})"
            ) from None


def mspdi_via_mpxj(path: Path) -> bytes:
    """The file as MS Project XML, written by MPXJ."""
    _started()
    from org.mpxj.mspdi import MSPDIWriter
    from org.mpxj.reader import UniversalProjectReader

    try:
        project = UniversalProjectReader().read(str(path))
    except Exception as exc:  # a Java exception from the reader: its message is the answer
        raise MpxjUnreadable(f"MPXJ cannot read {path.name}: {exc}") from None
    if project is None:
        raise MpxjUnreadable(f"MPXJ does not recognise {path.name} as a project file")
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "converted.xml"
        MSPDIWriter().write(project, str(target))
        return target.read_bytes()
