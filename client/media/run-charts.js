// Renders the run core's chart model (maps and histograms) as bar charts and tables; a toggle shows the raw text.
// Plain DOM, no libraries; every string goes in through textContent, never as HTML.
(function () {
    const vscode = acquireVsCodeApi();
    const charts = document.getElementById('charts');
    const text = document.getElementById('text');
    const toggle = document.getElementById('toggle');
    const status = document.getElementById('status');
    let showText = false;

    toggle.addEventListener('click', () => {
        showText = !showText;
        text.hidden = !showText;
        charts.hidden = showText;
        toggle.textContent = showText ? 'Show charts' : 'Show text';
    });

    function el(tag, cls, content) {
        const e = document.createElement(tag);
        if (cls) e.className = cls;
        if (content !== undefined) e.textContent = String(content);
        return e;
    }

    /** rows: [{ label, value (number|string) }] → a table with bars scaled to the largest number. */
    function barTable(rows) {
        const table = el('table');
        const max = Math.max(1, ...rows.map(r => (typeof r.value === 'number' ? Math.abs(r.value) : 0)));
        for (const r of rows) {
            const tr = el('tr');
            tr.appendChild(el('td', 'label', r.label));
            tr.appendChild(el('td', 'count', r.value));
            const bar = el('td', 'bar');
            if (typeof r.value === 'number') {
                const d = el('div', r.value === 0 ? 'zero' : '');
                d.style.width = `${(Math.abs(r.value) / max) * 100}%`;
                bar.appendChild(d);
            }
            tr.appendChild(bar);
            table.appendChild(tr);
        }
        return table;
    }

    function render(model) {
        charts.replaceChildren();
        if (!model.maps.length) {
            charts.appendChild(el('p', 'empty', 'No maps or histograms printed yet.'));
            return;
        }
        for (const map of model.maps) {
            const section = el('section');
            section.appendChild(el('h2', '', map.name));
            if (map.kind === 'histogram') {
                for (const s of map.series) {
                    if (s.key !== undefined) section.appendChild(el('h3', '', `[${s.key}]`));
                    section.appendChild(barTable(s.buckets.map(b => ({ label: b.label, value: b.count }))));
                }
            } else {
                const rows = map.values.slice().sort((a, b) => (typeof b.value === 'number' ? b.value : 0) - (typeof a.value === 'number' ? a.value : 0));
                section.appendChild(barTable(rows.slice(0, 500).map(v => ({ label: v.key === '' ? map.name : v.key, value: v.value }))));
                if (rows.length > 500) section.appendChild(el('p', 'empty', `${rows.length - 500} more rows not shown`));
            }
            charts.appendChild(section);
        }
    }

    window.addEventListener('message', event => {
        const m = event.data;
        if (m.type === 'model') {
            render(m.model);
            text.textContent = m.text;
        } else if (m.type === 'status') {
            status.textContent = m.text;
        }
    });
    vscode.postMessage({ type: 'ready' });
})();
