"""Text an attacker (or a careless paste) might put in any field that reaches a published document.

Each payload, if it worked, would embed a local file in the PDF, fetch a URL (at build time or when
a reader opens the page), restyle the page, retarget a link, run script, expand a Quarto shortcode,
or plant a formula or hyperlink in the spreadsheet. The tests put them in every text field at once.
"""

from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager


def markdown_payload(port: int, secret: str, image: str, tag: str = "") -> str:
    """Every Markdown, HTML, CSS, Quarto, LaTeX and Typst trick on one line, between two visible words."""
    here = f"http://127.0.0.1:{port}"
    return (
        f"Lead{tag} [a]({secret}){{rel=attachment}} [b](<{secret}>){{rel=\"attachment\"}} ![c]({image}) "
        f"![d]({here}/img.png) [e]({here}/link){{style=\"background:url({here}/css.png)\"}} "
        f"[f](https://other.example){{style=\"position:fixed;top:0;left:0;width:100%;height:100%\"}} "
        f"](https://other.example) [ <script>alert(1)</script><img src=x onerror=alert(1)> "
        f"<link rel=stylesheet href={here}/x.css> <iframe src={here}/frame></iframe> "
        f"{{{{< include {secret} >}}}} `{{{{< env HOME >}}}}` $$note$$ [g]({here}/xlsx) [h](javascript:alert(1)) "
        f"[i](file://{secret}) \\input{{{secret}}} $x^2$ @import url({here}/i.css); "
        f"<style>@import url({here}/s.css)</style> &lt;b&gt; {{#evil .rating-red}} "
        f'#read("{secret}") #image("{image}") "; #image("{image}"); " ]#set page(fill: red)[ @evil <kpi-1> // c /* d */ Tail{tag}'
    )


def css_breakout(port: int, tag: str = "") -> str:
    """Text that leaves a quoted CSS string (the running header) and hides the report."""
    return f'Name{tag}"; }} main {{ display: none }} body {{ background: url(http://127.0.0.1:{port}/bg.png) }} @page {{ x: "\n</style><script>alert(1)</script>'


FORMULAS = (
    '=HYPERLINK("http://127.0.0.1:{port}/f","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
)


def formula_payload(port: int, index: int) -> str:
    """A spreadsheet formula or DDE command, as text in a cell."""
    return FORMULAS[index % len(FORMULAS)].format(port=port)


class RequestLog(http.server.BaseHTTPRequestHandler):
    """A loopback web server that records every request it gets and answers 404."""

    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        type(self).requests.append(self.path)
        self.send_error(404)

    do_POST = do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


@contextmanager
def request_logger():
    """A loopback HTTP server on a free port; yields (port, the list of paths requested so far)."""
    handler = type("Log", (RequestLog,), {"requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler.requests
    finally:
        server.shutdown()
        server.server_close()
