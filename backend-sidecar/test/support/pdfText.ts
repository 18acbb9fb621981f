import { execFile } from 'node:child_process';
import path from 'node:path';

/** The text of a PDF as pdf.js reads it (pdf-parse, in a child process: see pdfTextProcess.cjs). */
export function pdfText(pdf: Buffer): Promise<{ pages: number; text: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [path.join(__dirname, 'pdfTextProcess.cjs')], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`pdf-parse could not read the PDF: ${stderr || error.message}`));
        return;
      }
      resolve(JSON.parse(stdout) as { pages: number; text: string });
    });
    child.stdin!.end(pdf);
  });
}
