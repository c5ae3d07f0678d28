// Reads a report PDF back with pdf-lib: the page count and, per page, the
// strings its content streams show (hex-encoded WinAnsi, as the report writes
// them). Enough to prove a PDF parses and holds the rows, without a PDF text
// extractor.
import { PDFArray, PDFDocument, PDFRawStream, PDFRef, decodePDFRawStream, type PDFObject } from 'pdf-lib';

export async function pdfPages(bytes: Uint8Array): Promise<string[][]> {
  const doc = await PDFDocument.load(bytes);
  return doc.getPages().map((page) => {
    const contents = page.node.Contents();
    const refs: PDFObject[] = contents instanceof PDFArray ? contents.asArray() : contents ? [contents] : [];
    const shown: string[] = [];
    for (const ref of refs) {
      const stream = ref instanceof PDFRef ? doc.context.lookup(ref) : ref;
      if (!(stream instanceof PDFRawStream)) continue;
      const text = new TextDecoder('latin1').decode(decodePDFRawStream(stream).decode());
      for (const m of text.matchAll(/<([0-9A-Fa-f]*)> Tj/g)) {
        shown.push(m[1]!.replace(/../g, (h) => String.fromCharCode(parseInt(h, 16))));
      }
    }
    return shown;
  });
}

export function fromBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
