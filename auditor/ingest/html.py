"""HTML → Document: the article of a government-site page, without the site around it.

Steps: decode (BOM, then the declared charset, then UTF-8 / GB18030); drop scripts, styles, hidden
elements and the site chrome that announces itself (nav, aside, role=navigation, class names such
as breadcrumb / share / footer); pick the article as the element with the most CJK text that is not
link text (menus, related-links lists and breadcrumbs are mostly links); then read it in order:
block elements and <br> lines become Paragraphs (h1–h6 keep their level), innermost tables become
Grid(regular=True) with rowspan/colspan expanded (text top-left, None where covered). Tables that
only lay out other tables are opened. The page headline, when it sits outside the article
element, is found by the <title> text and put first. There are no pages: page and bbox are None.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

from ..config import Settings
from ..errors import CorruptFile
from ..model import Block, Document, Grid, Paragraph, RawCell
from ..textnorm import squash
from .docx import join_fragments, normalise_space

# ---------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_CHINESE_CODECS = {"gb2312", "gbk", "gb18030", "cp936", "euc_cn", "hz"}
_WESTERN_CODECS = {"latin_1", "iso8859_1", "cp1252", "ascii"}
_MAX_BAD_SHARE = 0.01  # undecodable bytes tolerated (replaced) as a share of the non-ASCII characters


def _codec(name: str) -> str | None:
    try:
        codec = codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return None
    return "gb18030" if codec in _CHINESE_CODECS else codec  # GB18030 decodes every GBK/GB2312 page


def declared_encoding(data: bytes) -> str | None:
    head = data[:8192]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def decode_html(data: bytes, name: str) -> tuple[str, list[str]]:
    """The page as text, and notes on how it was decoded; CorruptFile when no encoding fits."""
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in boms:
        if data.startswith(bom):
            try:
                return data.decode(codec), []
            except UnicodeDecodeError:
                break
    if b"\x00" in data[:4096]:
        raise CorruptFile(f"“{name}”看起来是二进制文件，不是网页（HTML）：文件可能已损坏或被改了扩展名。")
    declared = declared_encoding(data)
    codec = _codec(declared) if declared else None
    # bytes that are valid UTF-8 are UTF-8 whatever the page declares (GBK text is almost never valid UTF-8)
    order = [c for c in ("utf_8", codec if codec not in _WESTERN_CODECS else None, "gb18030", codec) if c]
    order = list(dict.fromkeys(order))
    for candidate in order:
        try:
            return data.decode(candidate), []
        except UnicodeDecodeError:
            continue
    return _decode_with_replacement(data, name, declared, order)


def _decode_with_replacement(data: bytes, name: str, declared: str | None, order: list[str]) -> tuple[str, list[str]]:
    best = min((data.decode(c, errors="replace") for c in order), key=lambda text: text.count("\ufffd"))
    bad = best.count("\ufffd")
    non_ascii = sum(1 for ch in best if ord(ch) > 127)
    if bad > max(2, non_ascii * _MAX_BAD_SHARE):
        said = f"网页声明的编码为“{declared}”，但" if declared else ""
        raise CorruptFile(f"无法识别网页“{name}”的文字编码：{said}内容既不是有效的 UTF-8，也不是 GBK/GB18030"
                          f"（有 {bad} 处无法解码的字节）。请在浏览器中将网页另存为 UTF-8 编码后再上传。")
    return best, [f"网页中有 {bad} 处字节无法按其编码解码，已替换为“\ufffd”。"]


# ---------------------------------------------------------------- page cleaning

_DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
                 "input", "select", "textarea", "button", "option", "map", "audio", "video", "link", "meta")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
_CHROME_NAME = re.compile(
    r"^(?:.*[-_])?(?:nav|navbar|navi|navigation|menu|submenu|breadcrumbs?|crumbs?|crumb|dqwz|sidebar|sidenav|share|bdshare|"
    r"print|dayin|related|relate|xglj|xgwz|xgxx|copyright|footer|foot|topbar|toolbar|friendlinks?|yqlj|beian)"
    r"(?:[-_].*)?$", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KEEP_SHARE = 0.3  # an element named like chrome is kept when it holds this share of the page's text


def _strip_noise(root: Tag) -> None:
    """Remove what never belongs to a report: code, hidden elements, comments, form controls."""
    markup = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
    for node in root.find_all(string=lambda s: isinstance(s, markup)):
        node.extract()
    for tag in root.find_all(_DROPPED_TAGS):
        tag.decompose()
    for tag in root.find_all(True):
        if tag.decomposed:
            continue
        if tag.has_attr("hidden") or _HIDDEN_STYLE.search(tag.get("style") or "") or tag.get("aria-hidden") == "true":
            tag.decompose()


def _is_chrome(tag: Tag) -> bool:
    if tag.name in ("nav", "aside"):
        return True
    if tag.name in ("header", "footer") and tag.find_parent(["article", "main"]) is None:
        return True
    if (tag.get("role") or "").lower() in _CHROME_ROLES:
        return True
    names = [*(tag.get("class") or []), tag.get("id") or ""]
    return any(_CHROME_NAME.match(n) for n in names if n)


def _strip_chrome(root: Tag, counts: dict[int, tuple[int, int]]) -> None:
    """Remove site chrome, unless the 'chrome' holds a large share of the page's text or a data table."""
    page_text = counts.get(id(root), (0, 0))[0]
    for tag in root.find_all(True):
        if tag.decomposed or not _is_chrome(tag):
            continue
        own = counts.get(id(tag), (0, 0))[0]
        if own > page_text * _KEEP_SHARE or any(not _is_layout_table(t) and len(_rows_of(t)) >= 3
                                                for t in tag.find_all("table")):
            continue
        tag.decompose()


def _count(root: Tag) -> dict[int, tuple[int, int]]:
    """id(tag) → (CJK characters outside links, CJK characters inside links), for every tag."""
    counts: dict[int, tuple[int, int]] = {}

    def visit(tag: Tag, in_link: bool) -> tuple[int, int]:
        plain = linked = 0
        link = in_link or tag.name == "a"
        for child in tag.children:
            if isinstance(child, NavigableString):
                n = len(_CJK.findall(str(child)))
                if link:
                    linked += n
                else:
                    plain += n
            elif isinstance(child, Tag):
                p, l_ = visit(child, link)
                plain, linked = plain + p, linked + l_
        counts[id(tag)] = (plain, linked)
        return plain, linked

    visit(root, False)
    return counts


# ---------------------------------------------------------------- the article

_CONTAINERS = {"body", "div", "article", "section", "main", "td", "th", "center", "form", "font", "blockquote", "dd"}
# containers within this slack of the best score (a line or two of site text: a welcome bar, the site
# name in the banner) count as equal, and the innermost of them is the article
_SLACK_CHARS = 40
_SLACK_SHARE = 0.015
_SLACK_MAX_SHARE = 0.25  # on a short page the slack is at most a quarter of the best score


def _article(root: Tag, counts: dict[int, tuple[int, int]]) -> Tag:
    """The container with the most non-link CJK text once its link text is subtracted; innermost on ties."""
    best_score = None
    scored: list[tuple[int, int, Tag]] = []
    data_cells = {id(t) for table in root.find_all("table") if not _is_layout_table(table)
                  for t in table.find_all(True)}

    def visit(tag: Tag, depth: int) -> None:
        nonlocal best_score
        if tag.name in _CONTAINERS and id(tag) not in data_cells:
            plain, linked = counts.get(id(tag), (0, 0))
            score = plain - linked
            scored.append((score, depth, tag))
            best_score = score if best_score is None else max(best_score, score)
        for child in tag.children:
            if isinstance(child, Tag):
                visit(child, depth + 1)

    visit(root, 0)
    if not scored or best_score is None or best_score <= 0:
        return root
    floor = best_score - min(max(_SLACK_CHARS, best_score * _SLACK_SHARE), best_score * _SLACK_MAX_SHARE)
    near = [item for item in scored if item[0] >= floor]
    return max(near, key=lambda item: item[1])[2]


_TITLE_SEPARATORS = re.compile(r"\s*[_|｜]\s*|\s+[-—–]+\s+|——|--")


def _declared_title(soup: BeautifulSoup) -> str | None:
    """The article title that CMS pages declare in <meta name="ArticleTitle"> (or og:title)."""
    for attrs in ({"name": "ArticleTitle"}, {"property": "og:title"}, {"name": "title"}):
        meta = soup.find("meta", attrs=attrs)
        if meta is not None and normalise_space(meta.get("content") or ""):
            return normalise_space(meta["content"])
    return None


def _page_title(soup: BeautifulSoup) -> str:
    """The longest part of <title> ("报告标题_网站名称" → "报告标题")."""
    title = soup.title.get_text(" ") if soup.title else ""
    parts = [normalise_space(p) for p in _TITLE_SEPARATORS.split(normalise_space(title))]
    return max(parts, key=lambda p: len(_CJK.findall(p)), default="")


_HEADLINE_LEVELS_UP = 3  # the headline sits in the article's parent, grandparent or great-grandparent
_HEADLINE_CJK = (8, 80)


def _headline(article: Tag, page_title: str, whole_title: str) -> Tag | None:
    """The headline of the article when it sits just before the article element: the longest element
    whose text is part of the <title>, else the last h1–h3 of a title's length, near the article."""
    wanted = squash(page_title)
    if wanted and wanted in squash(article.get_text("")[: len(wanted) * 4 + 200]):
        return None
    scope = article
    for _ in range(_HEADLINE_LEVELS_UP):
        if scope.parent is None or scope.parent.name in ("body", "html", "[document]"):
            break
        scope = scope.parent
    before: list[Tag] = []
    for tag in scope.find_all(True):
        if tag is article:
            break
        if any(p is tag for p in article.parents) or tag.find_parent("a") is not None or tag.name == "a":
            continue
        before.append(tag)
    low, high = _HEADLINE_CJK
    titled = [t for t in before if low <= len(_CJK.findall(t.get_text(""))) <= high]
    in_title = [t for t in titled if squash(t.get_text("")) in whole_title]
    if in_title:
        return max(reversed(in_title), key=lambda t: len(squash(t.get_text(""))))
    headings = [t for t in titled if t.name in ("h1", "h2", "h3")]
    return headings[-1] if headings else None


# ---------------------------------------------------------------- tables


def _rows_of(table: Tag) -> list[Tag]:
    """The table's own rows (thead/tbody/tfoot included), not those of tables nested in its cells."""
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _cells_of(tr: Tag) -> list[Tag]:
    return [c for c in tr.find_all(["td", "th"], recursive=False)]


_LAYOUT_CELL_CHARS = 300  # a cell holding this much text is page layout, not a table of data


def _is_layout_table(table: Tag) -> bool:
    """A table that lays out the page: it holds tables, has one column, or cells of running text."""
    if table.find("table") is not None:
        return True
    rows = [_cells_of(tr) for tr in _rows_of(table)]
    if not rows or all(len(r) <= 1 for r in rows):
        return True
    return any(len(_CJK.findall(c.get_text(""))) >= _LAYOUT_CELL_CHARS for r in rows for c in r)


def _span(value, default: int, limit: int) -> int:
    match = re.match(r"\s*(\d+)", str(value)) if value is not None else None
    if match is None:
        return default
    return min(int(match.group(1)), limit)


def cell_text(cell: Tag) -> str:
    """A cell's text, its fragments (<p>, <span>, <br> lines) joined as one piece."""
    return join_fragments([str(s) for s in cell.find_all(string=True)
                           if isinstance(s, NavigableString) and not isinstance(s, Comment)])


def html_grid(table: Tag) -> Grid:
    """A <table> as a rectangular grid: rowspan/colspan expanded, text top-left, None where covered."""
    rows = _rows_of(table)
    placed: dict[tuple[int, int], RawCell | None] = {}
    for r, tr in enumerate(rows):
        c = 0
        for cell in _cells_of(tr):
            while (r, c) in placed:
                c += 1
            rowspan = _span(cell.get("rowspan"), 1, len(rows) - r) or len(rows) - r  # rowspan=0: to the end
            colspan = max(_span(cell.get("colspan"), 1, 1000), 1)
            for i in range(max(rowspan, 1)):
                for j in range(colspan):
                    placed[(r + i, c + j)] = None
            placed[(r, c)] = RawCell(cell_text(cell))
            c += colspan
    width = max((c for _, c in placed), default=-1) + 1
    grid = [[placed.get((r, c)) for c in range(width)] for r in range(len(rows))]
    grid = [row for row in grid if any(cell is not None and cell.text for cell in row)]
    return Grid(rows=grid, page=None, regular=True)


# ---------------------------------------------------------------- reading order

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "li", "ul", "ol", "dl", "dt",
           "dd", "blockquote", "pre", "center", "address", "figure", "figcaption", "form", "fieldset", "hr", "caption",
           "tr", "td", "th", "tbody", "thead", "tfoot", "body", "html", "table", "legend", "details", "summary"}
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]) (?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])")
# a paragraph made only of page tools: 【打印本页】【关闭窗口】, 分享到：, 字号：大 中 小, 返回顶部
_FURNITURE = re.compile(
    r"(?:打印本页|打印此页|打印|关闭窗口|关闭本页|关闭|返回顶部|返回首页|返回|收藏本页|收藏|加入收藏|分享到|分享|纠错|"
    r"我要纠错|字号|[大中小]|默认|微信|微博|QQ空间|QQ|扫一扫|[【】\[\]()（）:：|/·\s])+")
# the article's info line: 发布时间：… 来源：… 浏览次数：… 字号：大 中 小
_INFO_MARKERS = ("发布时间", "发布日期", "发文日期", "信息来源", "文章来源", "来源", "浏览次数", "点击数", "点击量",
                 "阅读次数", "访问次数", "阅读量", "字号", "作者", "责任编辑")
_INFO_MAX_CHARS = 150
_LINK_SHARE = 0.5  # a paragraph whose text is mostly links is a menu, a breadcrumb or a related-links list


@dataclass
class _Reader:
    blocks: list[Block] = field(default_factory=list)
    parts: list[tuple[str, bool]] = field(default_factory=list)
    heading: int | None = None

    def read(self, root: Tag) -> list[Block]:
        self._walk(root, False)
        self._flush()
        return self.blocks

    def _walk(self, node: Tag, in_link: bool) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                self.parts.append((str(child), in_link))
            elif isinstance(child, Tag):
                self._element(child, in_link)

    def _element(self, tag: Tag, in_link: bool) -> None:
        name = tag.name
        if name == "br":
            self._flush()
        elif name == "table":
            self._flush()
            self._table(tag, in_link)
        elif name in _HEADINGS:
            self._flush()
            outer, self.heading = self.heading, _HEADINGS[name]
            self._walk(tag, in_link)
            self._flush()
            self.heading = outer
        elif name in _BLOCKS:
            self._flush()
            self._walk(tag, in_link)
            self._flush()
        else:
            self._walk(tag, in_link or name == "a")

    def _table(self, table: Tag, in_link: bool) -> None:
        if _is_layout_table(table):
            for tr in _rows_of(table):
                for cell in _cells_of(tr):
                    self._walk(cell, in_link)
                    self._flush()
            return
        caption = table.find("caption", recursive=False)
        if caption is not None:
            self._walk(caption, in_link)
            self._flush()
        grid = html_grid(table)
        if grid.rows:
            self.blocks.append(grid)

    def _flush(self) -> None:
        parts, self.parts = self.parts, []
        text = _CJK_GAP.sub("", normalise_space("".join(p for p, _ in parts)))
        if not text or _FURNITURE.fullmatch(text) or _is_info_line(text):
            return
        total = len(re.sub(r"\s", "", text))
        linked = sum(len(re.sub(r"\s", "", p)) for p, link in parts if link)
        if total and linked > total * _LINK_SHARE:
            return
        self.blocks.append(Paragraph(text, heading=self.heading))


def _is_info_line(text: str) -> bool:
    if len(text) > _INFO_MAX_CHARS:
        return False
    found = {m for m in _INFO_MARKERS if m in text}
    found -= {"来源"} if found & {"信息来源", "文章来源"} else set()
    return len(found) >= 2


# ---------------------------------------------------------------- entry


def read_html(path: Path, data: bytes, digest: str, settings: Settings | None = None) -> Document:
    text, notes = decode_html(data, path.name)
    soup = BeautifulSoup(text, "lxml")
    page_title = _page_title(soup)
    whole_title = squash(soup.title.get_text("")) if soup.title else ""
    root = soup.body or soup
    _strip_noise(root)
    _strip_chrome(root, _count(root))
    article = _article(root, _count(root))
    headline = _headline(article, page_title, whole_title) if article is not root else None
    blocks = _Reader().read(article)
    if headline is not None:
        heading = _HEADINGS.get(headline.name, 1)
        title = _Reader(heading=heading).read(headline)
        blocks = [Paragraph(b.text, heading=heading) for b in title if isinstance(b, Paragraph)] + blocks
    return Document(path=path, format="html", sha256=digest, pages=None, blocks=blocks, notes=notes,
                    title=_declared_title(soup) or page_title or None)
