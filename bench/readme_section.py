"""Rewrites one generated section of bench/README.md, between its begin and end markers."""
import os


def replace_section(readme, begin, end, new):
    """Puts `new` (which starts with `begin` and ends with `end`) in place of the old section, or appends it."""
    text = open(readme).read() if os.path.exists(readme) else ""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        text = head + new + ("\n" + tail if tail else "")
    else:
        text = text + ("\n" if text and not text.endswith("\n\n") else "") + new
    with open(readme, "w") as f:
        f.write(text)
