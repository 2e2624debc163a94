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
