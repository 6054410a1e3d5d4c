// Draws the charts of a gauntlet report from the embedded summary (runs in the browser; uPlot is inlined before it).
(function () {
  const s = JSON.parse(document.getElementById('summary').textContent);
  const start = Date.parse(s.startedAt);
  const t = s.timeseries.map((r) => r.t);
  // Chaos windows (strike to recovery) as shaded bands; runs from before windows existed shade the steps.
  const last = t.length ? t[t.length - 1] : 0;
  const windows = s.chaos.windows || [];
  const steps = windows.length
    ? windows.map((w) => [w.startMs / 1000, (w.endMs === null ? last * 1000 : w.endMs) / 1000, w.label])
    : s.chaos.steps.map((st) => [st.atMs / 1000, (st.endMs ?? st.atMs) / 1000, st.name]);
  const events = ((s.failover && s.failover.sentinelEvents) || [])
    .filter((e) => ['+odown', '+switch-master', '+sdown'].includes(e.event))
    .map((e) => [(Date.parse(e.t) - start) / 1000, e.event]);
  const width = () => Math.min(1100, document.body.clientWidth - 40);

  // Chaos windows as shaded bands (at least 1 s wide), sentinel events as dashed markers.
  const chaosPlugin = {
    hooks: {
      drawClear: (u) => {
        const { ctx } = u;
        ctx.save();
        ctx.fillStyle = 'rgba(255, 120, 0, 0.15)';
        for (const [a, b] of steps) {
          const x0 = u.valToPos(a, 'x', true);
          const x1 = Math.max(u.valToPos(Math.max(b, a + 1), 'x', true), x0 + 2);
          ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
        }
        ctx.restore();
      },
      draw: (u) => {
        const { ctx } = u;
        ctx.save();
        ctx.setLineDash([4, 4]);
        ctx.font = '10px sans-serif';
        for (const [x, name] of events) {
          const px = u.valToPos(x, 'x', true);
          ctx.strokeStyle = name === '+switch-master' ? '#c00' : '#888';
          ctx.beginPath();
          ctx.moveTo(px, u.bbox.top);
          ctx.lineTo(px, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.fillStyle = ctx.strokeStyle;
          ctx.fillText(name, px + 3, u.bbox.top + 12);
        }
        ctx.restore();
      },
    },
  };

  function chart(id, title, series, data, opts = {}) {
    const el = document.getElementById(id);
    if (!el) return;
    new uPlot(
      {
        title,
        width: width(),
        height: 260,
        plugins: [chaosPlugin],
        scales: { x: { time: false }, y: opts.log ? { distr: 3 } : {} },
        axes: [{ label: opts.xLabel || 'seconds' }, { label: opts.yLabel || '' }],
        series: [{ label: opts.xLabel || 's' }, ...series],
      },
      data,
      el,
    );
  }

  const floor = (v) => Math.max(v, 0.001);
  chart('chart-latency', 'Latency per second (ms, log scale; chaos windows shaded)', [
    { label: 'p50', stroke: '#2a7' },
    { label: 'p99', stroke: '#d60' },
    { label: 'max', stroke: '#b00' },
  ], [t, s.timeseries.map((r) => floor(r.p50)), s.timeseries.map((r) => floor(r.p99)), s.timeseries.map((r) => floor(r.max))], { log: true, yLabel: 'ms' });
  chart('chart-throughput', 'Operations and errors per second', [
    { label: 'ops/s', stroke: '#26a' },
    { label: 'errors/s', stroke: '#c00' },
  ], [t, s.timeseries.map((r) => r.ops), s.timeseries.map((r) => r.errors)], { yLabel: 'per second' });
  chart('chart-sessions', 'Concurrent sessions', [{ label: 'sessions', stroke: '#639' }], [t, s.timeseries.map((r) => r.sessions)], { yLabel: 'sessions' });

  // Percentile spectrum: x = nines (-log10(1 - p)), so 90 %, 99 %, 99.9 % are evenly spaced.
  const ops = Object.keys(s.latencySpectrumMs);
  const nines = (p) => (p >= 100 ? null : -Math.log10(1 - p / 100));
  const xs = [...new Set(ops.flatMap((op) => s.latencySpectrumMs[op].map(([p]) => p)))].filter((p) => p < 100).sort((a, b) => a - b);
  const colors = ['#000', '#26a', '#2a7', '#d60', '#b00', '#639', '#0aa', '#a60'];
  const spectrumEl = document.getElementById('chart-spectrum');
  if (spectrumEl && xs.length) {
    new uPlot(
      {
        title: 'Latency percentile spectrum (ms, log) by operation',
        width: width(),
        height: 300,
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [{ label: 'percentile', values: (u, vals) => vals.map((v) => `${(100 * (1 - Math.pow(10, -v))).toPrecision(4)}%`) }, { label: 'ms' }],
        series: [{ label: 'nines' }, ...ops.map((op, i) => ({ label: op, stroke: colors[i % colors.length] }))],
      },
      [xs.map(nines), ...ops.map((op) => xs.map((p) => { const pt = s.latencySpectrumMs[op].find(([q]) => q === p); return pt ? floor(pt[1]) : null; }))],
      spectrumEl,
    );
  }
  document.body.dataset.chartsDrawn = String(document.querySelectorAll('.uplot canvas').length);
})();
