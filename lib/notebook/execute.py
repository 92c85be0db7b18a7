"""Execute one notebook with Jupyter's nbclient, cell by cell, and report the first failing cell.

Usage: python3 execute.py NOTEBOOK OUTPUT KERNEL_NAME TIMEOUT_S CWD
Writes the executed notebook to OUTPUT (also when a cell fails, with the outputs so far) and prints
one JSON object on stdout: {"ok": bool, "cell": index or null, "source": str, "error": str}.
A cell fails when the kernel's execute_reply says "error" — tslab reports type errors that way, with
the messages on the cell's stderr stream, which are included in "error".
"""
import json
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def text(v):
    return "".join(v) if isinstance(v, list) else str(v or "")


def main():
    path, output, kernel, timeout, cwd = sys.argv[1:6]
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=int(timeout), kernel_name=kernel, resources={"metadata": {"path": cwd}})
    result = {"ok": True, "cell": None, "source": "", "error": ""}
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, i)
            except CellExecutionError as e:
                streams = [text(o.get("text")) for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
                errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                result = {"ok": False, "cell": i, "source": cell.source, "error": "\n".join(streams + errors).strip() or str(e)}
                break
    nbformat.write(nb, output)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
