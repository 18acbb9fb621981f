// Prints the text of the PDF on stdin as JSON ({ pages, text }). Run as its own process by
// test/support/pdfText.ts: pdf.js (under pdf-parse) loads its worker with a dynamic import(),
// which jest's VM refuses without --experimental-vm-modules.
const { PDFParse } = require('pdf-parse');

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', async () => {
  const parser = new PDFParse({ data: Buffer.concat(chunks) });
  try {
    const result = await parser.getText();
    process.stdout.write(JSON.stringify({ pages: result.total, text: result.text }));
  } catch (error) {
    process.stderr.write(String(error && error.stack ? error.stack : error));
    process.exitCode = 1;
  } finally {
    await parser.destroy();
  }
});
