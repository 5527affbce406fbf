"""Small HTML report builder: headings, tables, text and matplotlib figures embedded as PNG.

Figures are made with matplotlib's object API (Figure + Agg canvas), never
pyplot, so reports can be written from Processing's worker thread.
"""
import base64
import html
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..core.outputs_commit import write_file

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #ccc; padding: 3px 8px; }
th { background: #f0f0f0; text-align: left; } td.num { text-align: right; font-family: monospace; }
figure { margin: 0.5em 0; } figcaption { font-size: 0.9em; color: #555; }
pre { background: #f7f7f7; padding: 0.6em; white-space: pre-wrap; font-size: 0.85em; }
"""


def new_figure(width=6.0, height=4.0):
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def figure_png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', bbox_inches='tight')
    return buffer.getvalue()


class HtmlReport:
    def __init__(self, title):
        self.title = title
        self.parts = []

    def heading(self, text):
        self.parts.append('<h2>{}</h2>'.format(html.escape(text)))

    def paragraph(self, text):
        self.parts.append('<p>{}</p>'.format(html.escape(text)))

    def preformatted(self, lines):
        self.parts.append('<pre>{}</pre>'.format(html.escape('\n'.join(lines))))

    def table(self, rows, header=None):
        out = ['<table>']
        if header:
            out.append('<tr>' + ''.join('<th>{}</th>'.format(html.escape(str(h))) for h in header) + '</tr>')
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, float):
                    cells.append('<td class="num">{:.4g}</td>'.format(value))
                elif isinstance(value, int):
                    cells.append('<td class="num">{}</td>'.format(value))
                else:
                    cells.append('<td>{}</td>'.format(html.escape(str(value))))
            out.append('<tr>' + ''.join(cells) + '</tr>')
        out.append('</table>')
        self.parts.append(''.join(out))

    def figure(self, figure, caption):
        data = base64.b64encode(figure_png(figure)).decode('ascii')
        self.parts.append('<figure><img alt="{0}" src="data:image/png;base64,{1}"/><figcaption>{0}</figcaption>'
                          '</figure>'.format(html.escape(caption), data))

    def render(self):
        return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"/><title>{0}</title><style>{1}</style></head>'
                '<body><h1>{0}</h1>\n{2}\n</body></html>\n').format(html.escape(self.title), _STYLE,
                                                                    '\n'.join(self.parts))

    def write(self, path):
        """Write the page completely or not at all; I/O errors raise OutputError naming ``path``."""
        page = self.render()
        return write_file(path, lambda handle: handle.write(page), encoding='utf-8')


def untranslated(text):
    """The ``tr`` of report labels outside QGIS: the English text (the plugin passes translation.tr)."""
    return text
