// Renders result tables for the terminal and for RESULTS.md.
import type { Cell, Table } from './types.ts';

function show(cell: Cell): string {
  if (cell === null) return '–';
  if (typeof cell === 'number') return Number.isInteger(cell) ? cell.toLocaleString('en-US') : String(cell);
  return cell;
}

export function textTable(table: Table): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(show))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [table.title, line(table.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function markdownTable(table: Table): string {
  const escape = (s: string) => s.replaceAll('|', '\\|');
  return [
    `**${table.title}**`,
    '',
    `| ${table.columns.map(escape).join(' | ')} |`,
    `|${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map((c) => escape(show(c))).join(' | ')} |`),
  ].join('\n');
}
