import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMoney } from './format-money';
import { ESTIMATED_LEGEND, InvoicePdfView, renderInvoicePdf } from './render-invoice-pdf';

interface PdfText {
  pages: number;
  /** Each page's text, its items joined by spaces. */
  text: string[];
}

/** Reads a PDF back the way a viewer would: pdf.js, in this process (no worker thread). */
async function readPdf(bytes: Buffer): Promise<PdfText> {
  // pdf.js is ESM only; under module node16 this stays a real import() in the compiled CommonJS.
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const document = await pdfjs.getDocument({
    data: new Uint8Array(bytes),
    useWorkerFetch: false,
    isEvalSupported: false,
    disableFontFace: true,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  }).promise;
  try {
    const text: string[] = [];
    for (let number = 1; number <= document.numPages; number += 1) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      text.push(
        content.items
          .map((item) => ('str' in item ? item.str : ''))
          .join(' ')
          .replace(/\s+/g, ' '),
      );
    }
    return { pages: document.numPages, text };
  } finally {
    await document.destroy();
  }
}

function invoice(lineCount: number): InvoicePdfView {
  const lines: InvoicePdfView['lines'] = Array.from({ length: lineCount }, (_, index) => ({
    description: `Energy, day ${index + 1} (peak and off-peak)`,
    quantityKwh: 10 + index / 8,
    amountMinor: 1234 + index,
    estimated: false,
  }));
  lines.push({ description: 'Standing charge', quantityKwh: null, amountMinor: 1550, estimated: false });
  const totalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0);
  return {
    number: 'INV-2026-000042',
    status: 'PARTIALLY_PAID',
    issuedAt: new Date('2026-02-01T08:00:00Z'),
    dueAt: new Date('2026-02-15T00:00:00Z'),
    periodStart: new Date('2026-01-01T00:00:00Z'),
    periodEnd: new Date('2026-02-01T00:00:00Z'),
    owner: { displayName: 'Ada Lovelace', email: 'ada@example.com' },
    lines,
    totalMinor,
    amountDueMinor: totalMinor - 1000,
    currency: 'EUR',
    payments: [{ createdAt: new Date('2026-02-03T10:00:00Z'), amountMinor: 1000, status: 'SUCCEEDED' }],
  };
}

describe('money formatting', () => {
  it('moves the decimal point by the currency’s minor units, exactly', () => {
    assert.equal(formatMoney(12345, 'EUR'), '123.45 EUR');
    assert.equal(formatMoney(5, 'EUR'), '0.05 EUR');
    assert.equal(formatMoney(0, 'EUR'), '0.00 EUR');
    assert.equal(formatMoney(-12345, 'EUR'), '-123.45 EUR');
    assert.equal(formatMoney(123456789, 'USD'), '1,234,567.89 USD');
    assert.equal(formatMoney(500, 'JPY'), '500 JPY');
    assert.equal(formatMoney(1234, 'KWD'), '1.234 KWD');
    // Past 2^53 / 100 a float would already have lost cents.
    assert.equal(formatMoney(9007199254740991, 'EUR'), '90,071,992,547,409.91 EUR');
  });

  it('refuses an amount that is not a whole number of minor units', () => {
    assert.throws(() => formatMoney(12.5, 'EUR'), RangeError);
  });
});

describe('invoice PDF', () => {
  it('renders a short invoice on one page with its number, lines and total', async () => {
    const view = invoice(3);
    const pdf = await readPdf(await renderInvoicePdf(view));
    assert.equal(pdf.pages, 1);
    const [page] = pdf.text;
    assert.ok(page.includes('INV-2026-000042'), page);
    assert.ok(page.includes('Energy, day 2 (peak and off-peak)'), page);
    assert.ok(page.includes('Ada Lovelace'), page);
    assert.ok(page.includes(formatMoney(view.totalMinor, 'EUR')), page);
    assert.ok(page.includes('2026-02-15'), 'the due date');
  });

  it('flows a long invoice onto further pages, with the total on the last', async () => {
    const view = invoice(200);
    const pdf = await readPdf(await renderInvoicePdf(view));
    assert.ok(pdf.pages >= 4, `200 lines need several pages, got ${pdf.pages}`);
    const first = pdf.text[0];
    const last = pdf.text.at(-1)!;
    assert.ok(first.includes('INV-2026-000042'), first);
    assert.ok(first.includes('Energy, day 1 (peak and off-peak)'), first);
    assert.ok(last.includes('Energy, day 200 (peak and off-peak)'), last);
    assert.ok(last.includes(`Total ${formatMoney(view.totalMinor, 'EUR')}`), last);
    assert.ok(last.includes(`page ${pdf.pages} of ${pdf.pages}`), last);
    // Every line is printed exactly once, across all pages.
    const everything = pdf.text.join(' ');
    for (const day of [1, 57, 123, 200]) {
      const occurrences = everything.split(`Energy, day ${day} (`).length - 1;
      assert.equal(occurrences, 1, `line of day ${day}`);
    }
    for (const page of pdf.text.slice(1)) assert.ok(page.includes('Quantity (kWh)'), 'table header repeats');
  });

  it('marks the quantity of estimated lines and explains the mark once, under the lines', async () => {
    const view = invoice(1);
    view.lines.splice(
      1,
      0,
      { description: 'Energy, estimated day', quantityKwh: 4.5, amountMinor: 99, estimated: true },
      {
        description: 'Adjustment: estimate taken back',
        quantityKwh: -1.25,
        amountMinor: -30,
        estimated: true,
      },
    );
    view.totalMinor += 69;
    const [page] = (await readPdf(await renderInvoicePdf(view))).text;
    assert.ok(page.includes('Energy, estimated day 4.500*'), page);
    assert.ok(page.includes('Adjustment: estimate taken back -1.250* -0.30 EUR'), page);
    assert.ok(page.includes('10.000 '), 'a measured line has no mark');
    assert.ok(!page.includes('10.000*'), 'a measured line has no mark');
    assert.equal(page.split('* Estimated:').length - 1, 1, page);
    assert.ok(page.includes(ESTIMATED_LEGEND.slice(0, 60)), page);
  });

  it('prints no legend when no line is estimated', async () => {
    const [page] = (await readPdf(await renderInvoicePdf(invoice(3)))).text;
    assert.ok(!page.includes('Estimated:'), page);
    assert.ok(!page.includes('*'), page);
  });

  it('gives the same bytes for the same invoice', async () => {
    const view = invoice(30);
    const first = await renderInvoicePdf(view);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await renderInvoicePdf(structuredClone(view));
    assert.ok(first.equals(second));
  });
});
