/**
 * A report as a real PDF table, made with pdf-lib: A4 landscape pages, a
 * title, the header row repeated at the top of every page, numeric columns
 * right-aligned, cells cut to their column with an ellipsis, "Page N" at the
 * foot. Each page's content stream is written with pdf-lib's low-level API
 * and deflated when the page is full, so a long report holds compressed
 * pages, not drawing objects: 100,000 rows stay within a few MB (drawText per
 * cell needed ~230 MB and 9 s for 10,000 rows).
 * Text is set in the standard Helvetica (WinAnsi); characters it cannot
 * encode (Arabic, CJK) print as "?" — CSV and JSON carry them exactly.
 */
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';

export interface PdfTableColumn {
  header: string;
  /** Relative width; the table is scaled to the page. */
  width: number;
  align?: 'left' | 'right';
}

const PAGE: [number, number] = [841.89, 595.28];
const MARGIN = 28;
const ROW_H = 11;
const BODY_SIZE = 7;
const HEAD_SIZE = 7.5;
const PAD = 2;

interface Glyph {
  hex: string;
  /** Width at size 1. */
  w: number;
}

/** Per-font glyph table: WinAnsi code and width of each character, looked up once. */
class GlyphTable {
  readonly #font: PDFFont;
  readonly #supported: Set<number>;
  readonly #cache = new Map<number, Glyph>();
  readonly #fallback: Glyph;

  constructor(font: PDFFont) {
    this.#font = font;
    this.#supported = new Set(font.getCharacterSet());
    this.#fallback = this.#measure('?');
  }

  #measure(ch: string): Glyph {
    const hex = this.#font.encodeText(ch).toString().slice(1, -1);
    return { hex, w: this.#font.widthOfTextAtSize(ch, 1) };
  }

  glyphs(text: string): Glyph[] {
    const out: Glyph[] = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      let g = this.#cache.get(cp);
      if (!g) {
        g = this.#supported.has(cp) ? this.#measure(ch) : this.#fallback;
        this.#cache.set(cp, g);
      }
      out.push(g);
    }
    return out;
  }

  /** The hex string and width of `text` at `size`, cut with "…" to fit `maxWidth`. */
  fit(text: string, size: number, maxWidth: number): { hex: string; width: number } {
    const glyphs = this.glyphs(text.replace(/[\r\n\t]+/g, ' '));
    let width = glyphs.reduce((s, g) => s + g.w * size, 0);
    if (width <= maxWidth) return { hex: glyphs.map((g) => g.hex).join(''), width };
    const [ellipsis] = this.glyphs('…');
    width = ellipsis!.w * size;
    const kept: Glyph[] = [];
    for (const g of glyphs) {
      if (width + g.w * size > maxWidth) break;
      kept.push(g);
      width += g.w * size;
    }
    kept.push(ellipsis!);
    return { hex: kept.map((g) => g.hex).join(''), width };
  }
}

export class PdfTable {
  readonly #doc: PDFDocument;
  readonly #regular: GlyphTable;
  readonly #bold: GlyphTable;
  readonly #regularRef: PDFFont;
  readonly #boldRef: PDFFont;
  readonly #title: string;
  readonly #subtitle: string;
  readonly #columns: Array<PdfTableColumn & { x: number; w: number }>;
  #page: PDFPage | null = null;
  #ops: string[] = [];
  #fontKey = '';
  #boldKey = '';
  #y = 0;
  #pages = 0;
  #rows = 0;

  private constructor(doc: PDFDocument, regular: PDFFont, bold: PDFFont, title: string, subtitle: string, columns: readonly PdfTableColumn[]) {
    this.#doc = doc;
    this.#regularRef = regular;
    this.#boldRef = bold;
    this.#regular = new GlyphTable(regular);
    this.#bold = new GlyphTable(bold);
    this.#title = title;
    this.#subtitle = subtitle;
    const total = columns.reduce((s, c) => s + c.width, 0);
    const scale = (PAGE[0] - 2 * MARGIN) / total;
    let x = MARGIN;
    this.#columns = columns.map((c) => {
      const col = { ...c, x, w: c.width * scale };
      x += col.w;
      return col;
    });
  }

  static async create(title: string, subtitle: string, columns: readonly PdfTableColumn[]): Promise<PdfTable> {
    const doc = await PDFDocument.create();
    doc.setTitle(title);
    doc.setCreator('Crier');
    doc.setProducer('Crier (pdf-lib)');
    const [regular, bold] = await Promise.all([doc.embedFont(StandardFonts.Helvetica), doc.embedFont(StandardFonts.HelveticaBold)]);
    return new PdfTable(doc, regular, bold, title, subtitle, columns);
  }

  get rows(): number {
    return this.#rows;
  }

  addRow(cells: readonly string[]): void {
    if (!this.#page || this.#y - ROW_H < MARGIN + 14) this.#newPage();
    this.#y -= ROW_H;
    if (this.#rows % 2 === 1) this.#ops.push(`0.96 g ${MARGIN} ${this.#y - 3} ${PAGE[0] - 2 * MARGIN} ${ROW_H} re f 0 g`);
    this.#cells(cells, this.#regular, this.#fontKey, BODY_SIZE);
    this.#rows++;
  }

  async finish(): Promise<Uint8Array> {
    if (!this.#page) this.#newPage(); // an empty report is still a table with its header
    this.#closePage();
    return this.#doc.save();
  }

  #newPage(): void {
    this.#closePage();
    const page = this.#doc.addPage(PAGE);
    this.#page = page;
    this.#pages++;
    this.#fontKey = page.node.newFontDictionary('F', this.#regularRef.ref).toString();
    this.#boldKey = page.node.newFontDictionary('B', this.#boldRef.ref).toString();
    const top = PAGE[1] - MARGIN;
    this.#text(this.#bold, this.#boldKey, 12, MARGIN, top - 12, this.#title, PAGE[0]);
    this.#text(this.#regular, this.#fontKey, 7, MARGIN, top - 24, this.#subtitle, PAGE[0] - 2 * MARGIN);
    this.#text(this.#regular, this.#fontKey, 7, PAGE[0] / 2 - 10, MARGIN - 14, `Page ${this.#pages}`, 100);
    // Header row: shaded, bold, a rule under it.
    this.#y = top - 34;
    this.#ops.push(`0.85 g ${MARGIN} ${this.#y - ROW_H - 3} ${PAGE[0] - 2 * MARGIN} ${ROW_H + 2} re f 0 g`);
    this.#y -= ROW_H;
    this.#cells(
      this.#columns.map((c) => c.header),
      this.#bold,
      this.#boldKey,
      HEAD_SIZE,
    );
    this.#ops.push(`0.5 w ${MARGIN} ${this.#y - 4} m ${PAGE[0] - MARGIN} ${this.#y - 4} l S`);
    this.#y -= 2;
  }

  #cells(cells: readonly string[], glyphs: GlyphTable, fontKey: string, size: number): void {
    this.#ops.push('BT', `${fontKey} ${size} Tf`);
    for (const [i, col] of this.#columns.entries()) {
      const fitted = glyphs.fit(cells[i] ?? '', size, col.w - 2 * PAD);
      const x = col.align === 'right' ? col.x + col.w - PAD - fitted.width : col.x + PAD;
      this.#ops.push(`1 0 0 1 ${x.toFixed(2)} ${this.#y.toFixed(2)} Tm <${fitted.hex}> Tj`);
    }
    this.#ops.push('ET');
  }

  #text(glyphs: GlyphTable, fontKey: string, size: number, x: number, y: number, text: string, maxWidth: number): void {
    const fitted = glyphs.fit(text, size, maxWidth);
    this.#ops.push('BT', `${fontKey} ${size} Tf`, `1 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)} Tm <${fitted.hex}> Tj`, 'ET');
  }

  #closePage(): void {
    if (!this.#page) return;
    const stream = this.#doc.context.flateStream(this.#ops.join('\n'));
    this.#page.node.addContentStream(this.#doc.context.register(stream));
    this.#ops = [];
    this.#page = null;
  }
}
