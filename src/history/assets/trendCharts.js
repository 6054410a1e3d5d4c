// Draws the charts of a gauntlet trend page from the embedded history.json (runs in the browser; uPlot is inlined before it).
(function () {
  const h = JSON.parse(document.getElementById('history').textContent);
  const width = () => Math.min(1100, document.body.clientWidth - 40);
  const colors = ['#26a', '#d60', '#2a7', '#b00', '#639', '#0aa'];
  const shade = { fail: 'rgba(179, 38, 30, 0.15)', invalid: 'rgba(200, 150, 0, 0.22)' };

  h.groups.forEach((g, gi) => {
    const xs = g.nights.map((_, i) => i);
    const labels = g.nights.map((n) => n.startedAt.slice(5, 16).replace('T', ' '));
    // Failed and invalid nights as shaded columns, so a red night is never read as a trend point like the others.
    const nightBands = {
      hooks: {
        drawClear: (u) => {
          const { ctx } = u;
          ctx.save();
          g.nights.forEach((n, i) => {
            if (!shade[n.verdict]) return;
            const x0 = u.valToPos(i - 0.5, 'x', true);
            const x1 = u.valToPos(i + 0.5, 'x', true);
            ctx.fillStyle = shade[n.verdict];
            ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
          });
          ctx.restore();
        },
      },
    };
    for (const c of g.charts) {
      const el = document.getElementById(`chart-${gi}-${c.id}`);
      if (!el) continue;
      if (!c.lines.some((l) => l.values.some((v) => v !== null))) {
        el.textContent = `${c.title}: no values in these nights`;
        continue;
      }
      // Latency on a log scale: a 20 % rise looks the same at 2 ms as at 20 ms, and the limit fits beside it.
      const log = c.unit === 'ms' && c.id.startsWith('latency-');
      const floor = (v) => (v === null ? null : Math.max(v, 0.001));
      let k = 0;
      const series = c.lines.map((l) =>
        l.limit
          ? { label: l.label, stroke: '#888', dash: [6, 4], width: 1.5, spanGaps: true, points: { show: false } }
          : { label: l.label, stroke: colors[k++ % colors.length], width: 2, spanGaps: true, points: { show: true, size: 6 } },
      );
      new uPlot(
        {
          title: `${c.title} (${c.unit}${log ? ', log scale' : ''})`,
          width: width(),
          height: 220,
          plugins: [nightBands],
          scales: {
            x: { time: false, range: () => [-0.5, Math.max(0.5, xs.length - 0.5)] },
            y: log ? { distr: 3 } : { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] },
          },
          axes: [
            { label: 'night (UTC start)', incrs: [1, 2, 5, 10, 20, 50], values: (u, splits) => splits.map((v) => (Number.isInteger(v) && labels[v] !== undefined ? labels[v] : '')) },
            { label: c.unit },
          ],
          series: [{ label: 'night', value: (u, v) => (v === null || labels[v] === undefined ? '' : `#${v + 1} ${labels[v]} ${g.nights[v].verdict}`) }, ...series],
        },
        [xs, ...c.lines.map((l) => (log ? l.values.map(floor) : l.values))],
        el,
      );
    }
  });
  document.body.dataset.chartsDrawn = String(document.querySelectorAll('.uplot canvas').length);
})();
