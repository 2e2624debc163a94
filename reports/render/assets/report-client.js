// Draws the charts of a botcap HTML report. Runs in the browser, after chart.js (inlined above it);
// reads the chart specs from the JSON data element with id "botcap-data". No network access.
(() => {
  const palette = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
  const data = JSON.parse(document.getElementById('botcap-data').textContent);
  const status = { charts: data.charts.length, drawn: 0, errors: [] };
  window.botcapReport = status;
  if (typeof Chart === 'undefined') {
    status.errors.push('chart.js did not load');
    return;
  }
  const style = getComputedStyle(document.body);
  Chart.defaults.font.family = style.fontFamily;
  Chart.defaults.color = style.getPropertyValue('--muted').trim() || '#555';
  Chart.defaults.borderColor = style.getPropertyValue('--grid').trim() || '#e5e7eb';

  function dataset(spec, ds, index) {
    const slot = ds.colorIndex ?? index;
    const color = ds.reference ? '#991b1b' : palette[slot % palette.length];
    const common = { label: ds.label, borderColor: color, backgroundColor: color };
    if (spec.kind === 'bar') return { ...common, data: ds.values };
    return {
      ...common,
      data: ds.points.map(([x, y]) => ({ x, y })),
      borderWidth: 1.5,
      borderDash: ds.reference ? [6, 4] : [],
      pointRadius: ds.scatter ? 3 : 0,
      showLine: !ds.scatter,
      stepped: ds.stepped ? 'before' : false,
      fill: false,
    };
  }

  // The faults the run injected (spec.bands, simulated s), shaded behind the lines with their label on top; an
  // instant fault (a killed instance) is a 2 px band. An inline plugin: chart.js's annotation plugin is not inlined.
  const faultBands = {
    id: 'botcapFaultBands',
    beforeDatasetsDraw(chart, _args, options) {
      const bands = options.bands ?? [];
      const { ctx, chartArea, scales } = chart;
      if (bands.length === 0 || !scales.x) return;
      ctx.save();
      ctx.font = `10px ${Chart.defaults.font.family}`;
      for (const [index, band] of bands.entries()) {
        const left = Math.max(chartArea.left, scales.x.getPixelForValue(band.fromS));
        const right = Math.min(chartArea.right, Math.max(left + 2, scales.x.getPixelForValue(band.toS)));
        if (right <= chartArea.left || left >= chartArea.right) continue;
        ctx.fillStyle = 'rgba(220, 38, 38, 0.15)';
        ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
        ctx.fillStyle = '#991b1b';
        // One row per band (four, then again from the top), so labels of nearby faults do not overprint.
        ctx.fillText(
          band.label,
          left + 3,
          chartArea.top + 10 + 11 * (index % 4),
          Math.max(60, chartArea.right - left - 6),
        );
      }
      ctx.restore();
      status.bands = (status.bands ?? 0) + bands.length;
    },
  };

  function config(spec) {
    const y = {
      beginAtZero: spec.beginAtZero,
      title: { display: Boolean(spec.yLabel), text: spec.yLabel },
    };
    if (spec.yTickLabels) {
      y.min = 0;
      y.max = spec.yTickLabels.length - 1;
      y.ticks = { stepSize: 1, callback: (v) => spec.yTickLabels[v] ?? '' };
    }
    const x =
      spec.kind === 'bar'
        ? { title: { display: Boolean(spec.xLabel), text: spec.xLabel } }
        : { type: 'linear', title: { display: true, text: spec.xLabel } };
    return {
      type: spec.kind,
      data: { labels: spec.labels, datasets: spec.datasets.map((ds, i) => dataset(spec, ds, i)) },
      plugins: [faultBands],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        normalized: true,
        parsing: spec.kind === 'bar',
        interaction: { mode: 'nearest', intersect: false },
        plugins: {
          legend: { display: spec.datasets.length > 1, labels: { boxWidth: 12 } },
          decimation: { enabled: false },
          botcapFaultBands: { bands: spec.bands ?? [] },
        },
        scales: { x, y },
      },
    };
  }

  for (const spec of data.charts) {
    const canvas = document.getElementById(spec.id);
    if (!canvas) {
      status.errors.push(`no canvas for ${spec.id}`);
      continue;
    }
    try {
      new Chart(canvas, config(spec));
      status.drawn += 1;
    } catch (error) {
      status.errors.push(`${spec.id}: ${error?.message}`);
    }
  }
})();
