"""Serve Ralph's LRS API with its file-system backend on 127.0.0.1:PORT (run by Ralph's own Python).

Ralph 5.1.0's file-system LRS writes each batch with the "create" operation, which refuses to
write to its statements file once it exists: every POST after the first fails. Appending is what
an LRS needs, so this launcher makes append the backend's default before serving.
"""
import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
