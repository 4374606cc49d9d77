// Makes every <table class="sortable"> sortable by a click on a column header: numbers by value (a cell's
// data-sort, else its text read as a number), text alphabetically; the header's aria-sort says the order.
function cellValue(row: HTMLTableRowElement, column: number): string | number {
  const cell = row.cells[column];
  if (!cell) return '';
  const raw = cell.dataset.sort ?? cell.textContent?.trim() ?? '';
  const n = Number(raw.replace(/[×,%\s]|ms$|MiB$/g, ''));
  return raw !== '' && raw !== '—' && Number.isFinite(n) ? n : raw;
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a.localeCompare(b);
}

for (const table of document.querySelectorAll<HTMLTableElement>('table.sortable')) {
  const headers = [...(table.tHead?.rows[0]?.cells ?? [])];
  headers.forEach((th, column) => {
    const label = th.textContent ?? '';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort';
    button.textContent = label;
    th.textContent = '';
    th.append(button);
    button.addEventListener('click', () => {
      const ascending = th.getAttribute('aria-sort') !== 'ascending';
      for (const other of headers) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      for (const body of table.tBodies) {
        const rows = [...body.rows].sort((a, b) => compare(cellValue(a, column), cellValue(b, column)) * (ascending ? 1 : -1));
        body.append(...rows);
      }
    });
  });
}
