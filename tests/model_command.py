"""A ``translate.command`` for the tests: one JSON request on stdin, one JSON reply on stdout,
made as the local model server makes it. ``[[fail]]`` in a text makes it exit with status 3;
``[[edit]]`` makes it write a Chinese title into the paper's file before it answers, as a
person editing the file during a run would."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from model_server import fake_reply  # noqa: E402

request = json.load(sys.stdin)
messages = request["messages"]
if "[[fail]]" in messages[1]["content"]:
    print("the model is not loaded", file=sys.stderr)
    sys.exit(3)
if "[[edit]]" in messages[1]["content"]:
    path = Path("content/papers") / f"{request['task']['paper']}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: ", "title:\n  zh: 人写的标题\n  en: "), encoding="utf-8")
reply = fake_reply(messages, first=len(messages) == 2)
json.dump({"content": reply, "usage": {"prompt_tokens": 7, "completion_tokens": 3}},
          sys.stdout, ensure_ascii=False)
