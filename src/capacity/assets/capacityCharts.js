// Draws the charts of a gauntlet capacity page from the embedded capacity.json (runs in the browser; uPlot is inlined before it).
(function () {
  const c = JSON.parse(document.getElementById('capacity').textContent);
  const width = () => Math.min(1150, document.body.clientWidth - 40);
  // One point per step, by offered rate (bisection steps fall between rising ones).
  const steps = c.steps.filter((s) => s.offeredRate > 0).slice().sort((a, b) => a.offeredRate - b.offeredRate);
  const xs = steps.map((s) => s.offeredRate);
  const o = c.outcome;
  const overFrom = o.firstBadRate;
  const harnessFrom = o.harnessLimitRate;
  // Over budget (from the first bad rate) and beyond the harness shaded; the knee as a solid line at the capacity.
  // Without a knee (a harness limit, a stopped sweep) the line only marks the highest rate held: grey, and not called a knee.
  const isKnee = o.kind === 'knee';
  const lineColour = isKnee ? '#b3261e' : '#555';
  const lineLabel = (rate) => (isKnee ? `knee: ${rate} ops/s` : `held: ${rate} ops/s (no knee found)`);
  const kneePlugin = {
    hooks: {
      drawClear: (u) => {
        const { ctx } = u;
        ctx.save();
        for (const [from, colour] of [[overFrom, 'rgba(179, 38, 30, 0.12)'], [harnessFrom, 'rgba(200, 150, 0, 0.2)']]) {
          if (from === null) continue;
          const x0 = Math.max(u.bbox.left, u.valToPos(from, 'x', true));
          ctx.fillStyle = colour;
          ctx.fillRect(x0, u.bbox.top, u.bbox.left + u.bbox.width - x0, u.bbox.height);
        }
        ctx.restore();
      },
      draw: (u) => {
        if (o.capacityRate === null) return;
        const { ctx } = u;
        const px = u.valToPos(o.capacityRate, 'x', true);
        ctx.save();
        ctx.setLineDash([]);
        ctx.strokeStyle = lineColour;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(px, u.bbox.top);
        ctx.lineTo(px, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillStyle = lineColour;
        ctx.font = '12px sans-serif';
        ctx.fillText(lineLabel(Math.round(o.capacityRate)), px + 4, u.bbox.top + 14);
        ctx.restore();
      },
    },
  };
  const floor = (v) => (v === null || v === undefined ? null : Math.max(v, 0.001));
  const pad = xs.length ? [xs[0] / 1.15, xs[xs.length - 1] * 1.15] : [1, 10];
  const chart = (id, title, yLabel, lines, opts = {}) => {
    const el = document.getElementById(id);
    if (!el) return;
    if (!steps.length) {
      el.textContent = `${title}: no step measured`;
      return;
    }
    new uPlot(
      {
        title,
        width: width(),
        height: 260,
        plugins: [kneePlugin],
        scales: { x: { time: false, distr: 3, log: 2, range: () => pad }, y: opts.log ? { distr: 3 } : { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [{ label: 'offered session operations per second (log scale)', values: (u, splits) => splits.map((v) => (v === null ? '' : Math.round(v).toLocaleString('en-US'))) }, { label: yLabel }],
        series: [
          { label: 'offered ops/s', value: (u, v) => (v === null ? '' : Math.round(v)) },
          ...lines.map((l) => ({ label: l.label, stroke: l.colour, width: l.dash ? 1.5 : 2, dash: l.dash, points: { show: !l.dash, size: 6 }, spanGaps: true })),
        ],
      },
      [xs, ...lines.map((l) => (opts.log ? l.values.map(floor) : l.values))],
      el,
    );
  };
  chart('chart-latency', 'Latency by offered rate (ms, log scale)', 'ms', [
    { label: 'p50', colour: '#2a7', values: steps.map((s) => s.latencyMs.p50) },
    { label: 'p99', colour: '#26a', values: steps.map((s) => s.latencyMs.p99) },
    { label: 'p99.9', colour: '#639', values: steps.map((s) => s.latencyMs.p999) },
    { label: 'p99 budget', colour: '#888', dash: [6, 4], values: steps.map(() => c.scenario.p99BudgetMs) },
  ], { log: true });
  chart('chart-errors', 'Errors (%) and completed / intended (%) by step', '%', [
    { label: 'errors %', colour: '#b00', values: steps.map((s) => s.errorRate * 100) },
    { label: 'completed / intended %', colour: '#26a', values: steps.map((s) => s.throughputRatio * 100) },
    { label: 'error budget %', colour: '#888', dash: [6, 4], values: steps.map(() => c.scenario.maxErrorRate * 100) },
  ]);
  chart('chart-generator', 'Generator CPU by step (% of one core)', '% of a core', [
    { label: 'mean', colour: '#d60', values: steps.map((s) => s.generator.cpuPercentMean) },
    { label: 'max', colour: '#b00', values: steps.map((s) => s.generator.cpuPercentMax) },
  ]);
  chart('chart-memory', 'Redis memory per concurrent session by step (bytes: used_memory delta / sessions)', 'bytes', [
    { label: 'bytes per session', colour: '#26a', values: steps.map((s) => s.memory.bytesPerSession) },
  ]);
  document.body.dataset.chartsDrawn = String(document.querySelectorAll('.uplot canvas').length);
})();
