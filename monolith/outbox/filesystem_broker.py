"""kombu's filesystem transport with messages that appear whole, or not at all.

kombu writes a message file in place, and a worker polling the folder can move and
read it between the file's creation and its content: it reads nothing, fails to
decode it, and the job is gone (celery/kombu#1551). Here a message is written under
a name no reader picks up and then renamed into place, which is atomic.

The embedded broker is for one machine and development; Redis is the reference.
"""
from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

__all__ = ["Channel", "Transport"]


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs) -> None:
        # kombu's own naming, so its readers order and select files as before.
        filename = "{}_{}.{}.msg".format(int(round(monotonic() * 1000)), uuid.uuid4(), queue)
        final = os.path.join(self.data_folder_out, filename)
        # A leading dot leaves nothing after the first "." that could match "<queue>.msg".
        partial = os.path.join(self.data_folder_out, f".{filename}.part")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
