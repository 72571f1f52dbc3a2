"""Static files under hashed names, gzipped and brotli-compressed once.

WhiteNoise compresses every collected file on every `collectstatic`, and `melior serve`
collects at each start: with brotli at its best quality that is some 40 s of CPU for the
admin's, the API docs' and the chart bundle's files. A file keeps the .gz and .br it has when
its name carries the hash of its content (the same name is the same content) or, for a file
under its own name, when they are as new as it is (WhiteNoise gives them the file's time); a
file copied anew is compressed anew."""

import os
import re

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[^./]+$")


class _CompressOnce(Compressor):
    def compress(self, path):
        suffixes = [s for s, used in ((".br", self.use_brotli), (".gz", self.use_gzip)) if used]
        outputs = [path + suffix for suffix in suffixes]
        if outputs and all(os.path.exists(output) for output in outputs):
            modified = os.stat(path).st_mtime
            if HASHED_NAME.search(path) or all(os.stat(o).st_mtime >= modified for o in outputs):
                return []
        return super().compress(path)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs):
        return _CompressOnce(**kwargs)
