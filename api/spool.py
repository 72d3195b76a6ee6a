"""The server's scratch space, UPLOAD_DIR/.tmp: on the disk the files end up on (a photo being
received is renamed into place from here), and large enough for a CSV export that does not fit
in memory. `frota prune-photos` sweeps what a crash left behind."""

from pathlib import Path

TMP = ".tmp"


def scratch_dir(upload_dir: Path) -> Path:
    """UPLOAD_DIR/.tmp, made when missing (blocking: call it off the event loop)."""
    path = upload_dir / TMP
    path.mkdir(parents=True, exist_ok=True)
    return path
