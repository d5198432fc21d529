// The game-day page's script (inlined by local/report/render.ts): draws the charts the renderer specified
// in #report-data with uPlot, marks Ballast's actions and the scenario's phases on every chart, and lets the
// reader show one phase or the whole run. It fetches nothing.
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const HEIGHT = 220;
  const PRINT_WIDTH = 680;
  const MARKER_COLORS = { execution: '#1565c0', incident: '#ef6c00' };
  const markerColor = (kind) => MARKER_COLORS[kind] ?? (kind.startsWith('ballast') ? '#1565c0' : '#757575');

  const pad = (n) => String(n).padStart(2, '0');
  const clock = (s) => {
    const days = Math.floor(s / 86400);
    const rest = s % 86400;
    return `${days > 0 ? `${days}.` : ''}${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}`;
  };
  const number = (v) => (v == null ? '—' : v.toLocaleString('en-US'));
  const percent = (v) => (v == null ? '—' : `${Math.round(v * 1000) / 10}%`);

  /** Shades the scenario's phases behind the lines. */
  const phasesPlugin = () => ({
    hooks: {
      drawClear: (u) => {
        const { ctx, bbox } = u;
        ctx.save();
        data.phases.slice(1).forEach((p, i) => {
          const x0 = Math.max(bbox.left, u.valToPos(p.from, 'x', true));
          const x1 = Math.min(bbox.left + bbox.width, u.valToPos(p.until, 'x', true));
          if (x1 <= x0) return;
          ctx.fillStyle = i % 2 === 0 ? 'rgba(120,144,156,0.10)' : 'rgba(120,144,156,0.18)';
          ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
        });
        ctx.restore();
      },
    },
  });

  /** Vertical lines for markers (executions also as a band from start to end), for the chart's region. */
  const markersPlugin = (spec) => {
    const mine = data.markers.filter(
      (m) => spec.region === 'global' || m.region === spec.region || m.region === 'global',
    );
    return {
      hooks: {
        draw: (u) => {
          const { ctx, bbox } = u;
          const dpr = window.devicePixelRatio || 1;
          ctx.save();
          for (const m of mine) {
            const x = u.valToPos(m.t, 'x', true);
            if (x < bbox.left || x > bbox.left + bbox.width) continue;
            const color = markerColor(m.kind);
            if (m.kind === 'execution') {
              const end = m.until == null ? bbox.left + bbox.width : u.valToPos(m.until, 'x', true);
              ctx.fillStyle = 'rgba(21,101,192,0.12)';
              ctx.fillRect(x, bbox.top, Math.max(2 * dpr, Math.min(end, bbox.left + bbox.width) - x), 6 * dpr);
            }
            ctx.strokeStyle = color;
            ctx.lineWidth = dpr;
            ctx.setLineDash(m.kind === 'incident' ? [4 * dpr, 3 * dpr] : []);
            ctx.beginPath();
            ctx.moveTo(x, bbox.top);
            ctx.lineTo(x, bbox.top + bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        },
        ready: (u) => {
          // A click near a marker opens its timeline line.
          u.over.addEventListener('click', (event) => {
            let best;
            for (const m of mine) {
              const d = Math.abs(u.valToPos(m.t, 'x') - event.offsetX);
              if (m.line != null && d <= 6 && (!best || d < best.d)) best = { d, m };
            }
            if (best) window.location.hash = `line-${best.m.line}`;
          });
        },
      },
    };
  };

  const widthOf = (el) => Math.max(280, Math.floor(el.clientWidth));

  const optionsFor = (spec, width) => ({
    width,
    height: HEIGHT,
    legend: { live: true },
    cursor: { sync: { key: 'ballast' } },
    scales: {
      x: { time: false, range: (_u, min, max) => [min, max] },
      y: { range: (_u, _min, max) => (spec.percent ? [0, 1] : [0, max > 0 ? max * 1.1 : 1]) },
      y2: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      {
        values: (_u, ticks) => ticks.map(clock),
        incrs: [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400],
        space: 70,
      },
      {
        scale: 'y',
        label: spec.y,
        size: 64,
        values: (_u, ticks) => ticks.map(spec.percent ? percent : number),
      },
      ...(spec.y2 ? [{ scale: 'y2', side: 1, label: spec.y2, size: 64, grid: { show: false } }] : []),
    ],
    series: [
      { label: 'time', value: (_u, v) => (v == null ? '' : clock(v)) },
      ...spec.series.map((s) => ({
        label: s.label,
        show: !s.hidden,
        stroke: s.color,
        width: s.width ?? 1.5,
        dash: s.dash ? [6, 4] : undefined,
        scale: s.scale,
        spanGaps: false,
        paths: spec.section === 'requests' ? undefined : uPlot.paths.stepped({ align: 1 }),
        value: (_u, v) => (spec.percent ? percent(v) : number(v)),
      })),
    ],
    plugins: [phasesPlugin(), markersPlugin(spec)],
  });

  const plots = [];
  for (const spec of data.charts) {
    const figure = document.getElementById(spec.id);
    if (!figure) continue;
    const target = figure.querySelector('.plot');
    const plot = new uPlot(optionsFor(spec, widthOf(figure)), [spec.x, ...spec.series.map((s) => s.values)], target);
    plots.push({ id: spec.id, title: spec.title, spec, plot, figure });
  }

  const resize = (width) => {
    for (const p of plots) p.plot.setSize({ width: width ?? widthOf(p.figure), height: HEIGHT });
  };
  window.addEventListener('resize', () => resize());
  window.addEventListener('beforeprint', () => resize(PRINT_WIDTH));
  window.addEventListener('afterprint', () => resize());

  const show = (index) => {
    const phase = data.phases[index];
    for (const p of plots) p.plot.setScale('x', { min: phase.from, max: phase.until });
    for (const b of document.querySelectorAll('nav.phases button'))
      b.setAttribute('aria-pressed', String(b.dataset.phase === String(index)));
  };
  for (const b of document.querySelectorAll('nav.phases button'))
    b.addEventListener('click', () => show(Number(b.dataset.phase)));

  // For readers' tools and the browser test: what was drawn.
  window.ballastReport = { data, plots: plots.map((p) => ({ id: p.id, title: p.title, plot: p.plot })), show };
})();
