import PDFDocument from 'pdfkit';
import { formatMoney } from './format-money';

export type InvoicePdfStatus = 'ISSUED' | 'PARTIALLY_PAID' | 'PAID' | 'VOID';
export type InvoicePdfPaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** What an invoice PDF shows: the read model's invoice, its owner and payments. */
export interface InvoicePdfView {
  number: string;
  status: InvoicePdfStatus;
  issuedAt: Date;
  dueAt: Date;
  periodStart: Date;
  periodEnd: Date;
  owner: { displayName: string; email: string };
  /** `estimated`: the line prices estimated usage; its quantity carries ESTIMATED_MARK. */
  lines: { description: string; quantityKwh: number | null; amountMinor: number; estimated: boolean }[];
  totalMinor: number;
  amountDueMinor: number;
  currency: string;
  payments: { createdAt: Date; amountMinor: number; status: InvoicePdfPaymentStatus }[];
}

type Doc = PDFKit.PDFDocument;

const MARGIN = 50;
const FOOTER_HEIGHT = 30;
const ROW_GAP = 4;
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
/** Description, quantity and amount columns of the lines table. */
const COLUMNS = {
  description: { x: MARGIN, width: 295 },
  quantity: { x: MARGIN + 305, width: 85 },
  amount: { x: MARGIN + 400, width: 95 },
};
const TABLE_WIDTH = COLUMNS.amount.x + COLUMNS.amount.width - MARGIN;

const STATUS_LABELS: Record<InvoicePdfStatus, string> = {
  ISSUED: 'Issued',
  PARTIALLY_PAID: 'Partially paid',
  PAID: 'Paid',
  VOID: 'Void',
};

const day = (date: Date): string => date.toISOString().slice(0, 10);

const kwh = new Intl.NumberFormat('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });

/** Follows the quantity of an estimated line; the legend under the table explains it. */
export const ESTIMATED_MARK = '*';
export const ESTIMATED_LEGEND =
  '* Estimated: energy estimated for intervals without meter readings. When the readings arrive, the difference is adjusted on a later invoice.';

/**
 * The invoice as a PDF (A4, the built-in Helvetica, so no font files and no embedding). The same
 * view always gives the same bytes: the document dates and file id derive from `issuedAt`.
 */
export function renderInvoicePdf(view: InvoicePdfView): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `Invoice ${view.number}`,
      Author: 'Voltstream',
      Creator: 'Voltstream billing',
      Producer: 'Voltstream billing',
      CreationDate: view.issuedAt,
      ModDate: view.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    drawHeader(doc, view);
    drawLines(doc, view);
    drawTotals(doc, view);
    drawFooters(doc, view);
    doc.end();
  } catch (error) {
    doc.destroy();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  return done;
}

/** The lowest y content may reach on a page; the footer lives below it. */
const contentBottom = (doc: Doc): number => doc.page.height - MARGIN - FOOTER_HEIGHT;

function ensureRoom(doc: Doc, height: number, onNewPage?: () => void): void {
  if (doc.y + height <= contentBottom(doc)) return;
  doc.addPage();
  onNewPage?.();
}

function drawHeader(doc: Doc, view: InvoicePdfView): void {
  doc.font(BOLD).fontSize(22).text('Voltstream', MARGIN, MARGIN);
  doc.font(FONT).fontSize(10).fillColor('#555555').text('Energy as a service').fillColor('black');
  doc.font(BOLD).fontSize(16).text(`Invoice ${view.number}`, MARGIN, MARGIN, { align: 'right' });
  doc.moveDown(2.5);

  const top = doc.y;
  const facts: [string, string][] = [
    ['Status', STATUS_LABELS[view.status]],
    ['Issued', day(view.issuedAt)],
    ['Due', day(view.dueAt)],
    ['Period', `${day(view.periodStart)} to ${day(view.periodEnd)}`],
  ];
  doc.fontSize(10);
  for (const [label, value] of facts) {
    const y = doc.y;
    doc.font(BOLD).text(label, MARGIN, y, { width: 60 });
    doc.font(FONT).text(value, MARGIN + 60, y, { width: 200 });
  }
  const factsBottom = doc.y;
  doc.font(BOLD).text('Bill to', MARGIN + 300, top, { width: 195 });
  doc.font(FONT).text(view.owner.displayName, { width: 195 }).text(view.owner.email, { width: 195 });
  doc.x = MARGIN;
  doc.y = Math.max(factsBottom, doc.y);
  doc.moveDown(2);
}

function drawTableHeader(doc: Doc): void {
  const y = doc.y;
  doc.font(BOLD).fontSize(10);
  doc.text('Description', COLUMNS.description.x, y, { width: COLUMNS.description.width });
  doc.text('Quantity (kWh)', COLUMNS.quantity.x, y, { width: COLUMNS.quantity.width, align: 'right' });
  doc.text('Amount', COLUMNS.amount.x, y, { width: COLUMNS.amount.width, align: 'right' });
  const ruleY = doc.y + 2;
  doc
    .moveTo(MARGIN, ruleY)
    .lineTo(MARGIN + TABLE_WIDTH, ruleY)
    .lineWidth(0.8)
    .stroke();
  doc.x = MARGIN;
  doc.y = ruleY + ROW_GAP;
  doc.font(FONT);
}

/** One row per line; a row that does not fit starts a new page, which repeats the table header. */
function drawLines(doc: Doc, view: InvoicePdfView): void {
  drawTableHeader(doc);
  for (const line of view.lines) {
    doc.font(FONT).fontSize(10);
    const height = doc.heightOfString(line.description, { width: COLUMNS.description.width });
    ensureRoom(doc, height + ROW_GAP, () => drawTableHeader(doc));
    const y = doc.y;
    doc.text(line.description, COLUMNS.description.x, y, { width: COLUMNS.description.width });
    const quantity =
      (line.quantityKwh === null ? '' : kwh.format(line.quantityKwh)) +
      (line.estimated ? ESTIMATED_MARK : '');
    doc.text(quantity, COLUMNS.quantity.x, y, { width: COLUMNS.quantity.width, align: 'right' });
    doc.text(formatMoney(line.amountMinor, view.currency), COLUMNS.amount.x, y, {
      width: COLUMNS.amount.width,
      align: 'right',
    });
    doc.x = MARGIN;
    doc.y = y + height + ROW_GAP;
  }
  if (view.lines.some((line) => line.estimated)) {
    doc.font(FONT).fontSize(8);
    const height = doc.heightOfString(ESTIMATED_LEGEND, { width: TABLE_WIDTH });
    ensureRoom(doc, height + ROW_GAP);
    const y = doc.y;
    doc.text(ESTIMATED_LEGEND, MARGIN, y, { width: TABLE_WIDTH });
    doc.x = MARGIN;
    doc.y = y + height + ROW_GAP;
  }
}

function drawTotals(doc: Doc, view: InvoicePdfView): void {
  const lineHeight = doc.font(FONT).fontSize(10).currentLineHeight(true);
  const rows = 3 + (view.payments.length > 0 ? view.payments.length + 1 : 0);
  // Totals stay together on one page, unless they alone would overflow one (many payments).
  ensureRoom(doc, Math.min(rows * (lineHeight + ROW_GAP) + 20, contentBottom(doc) - MARGIN));
  const ruleY = doc.y + 2;
  doc
    .moveTo(MARGIN, ruleY)
    .lineTo(MARGIN + TABLE_WIDTH, ruleY)
    .lineWidth(0.8)
    .stroke();
  doc.y = ruleY + 8;

  totalRow(doc, 'Total', formatMoney(view.totalMinor, view.currency), BOLD);
  if (view.payments.length > 0) {
    totalRow(doc, 'Payments', '', BOLD);
    for (const payment of view.payments) {
      ensureRoom(doc, lineHeight + ROW_GAP);
      const label = `${day(payment.createdAt)}  ${payment.status.toLowerCase()}`;
      totalRow(doc, label, formatMoney(payment.amountMinor, view.currency), FONT);
    }
  }
  ensureRoom(doc, 2 * (lineHeight + ROW_GAP));
  totalRow(doc, 'Amount due', formatMoney(view.amountDueMinor, view.currency), BOLD);
  totalRow(doc, 'Due date', day(view.dueAt), FONT);
}

function totalRow(doc: Doc, label: string, value: string, font: string): void {
  const y = doc.y;
  doc.font(font).fontSize(10);
  doc.text(label, COLUMNS.description.x + 200, y, { width: 195 });
  doc.text(value, COLUMNS.amount.x, y, { width: COLUMNS.amount.width, align: 'right' });
  doc.x = MARGIN;
  doc.y = Math.max(doc.y, y + doc.currentLineHeight(true)) + ROW_GAP;
}

function drawFooters(doc: Doc, view: InvoicePdfView): void {
  const { start, count } = doc.bufferedPageRange();
  for (let index = start; index < start + count; index += 1) {
    doc.switchToPage(index);
    // Below the bottom margin: lift it, or pdfkit would break onto a new page for the footer.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font(FONT)
      .fontSize(8)
      .fillColor('#555555')
      .text(
        `Invoice ${view.number} · page ${index - start + 1} of ${count}`,
        MARGIN,
        doc.page.height - MARGIN,
        { width: TABLE_WIDTH, align: 'center', lineBreak: false },
      )
      .fillColor('black');
    doc.page.margins.bottom = bottom;
  }
}
