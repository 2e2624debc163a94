// Test probes injected into a report page by html.browser.test.ts (plain browser JavaScript, so the
// Node-side TypeScript needs no DOM types). Each returns JSON-serialisable data.
window.botcapProbes = {
  /** For each canvas: how many pixels are painted, and how many distinct colours they use. */
  canvasInk() {
    return [...document.querySelectorAll('canvas')].map((canvas) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      const colours = new Set();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        painted++;
        colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      }
      return { id: canvas.id, painted, colours: colours.size };
    });
  },

  /** How far the page scrolls sideways, in CSS pixels. */
  horizontalOverflow() {
    return document.documentElement.scrollWidth - window.innerWidth;
  },

  /** Parses XML with the browser's own parser. */
  parseXml(xml) {
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    return {
      errors: doc.getElementsByTagName('parsererror').length,
      testcases: doc.getElementsByTagName('testcase').length,
      failures: doc.getElementsByTagName('failure').length,
    };
  },

  /** Standard deviation of a PNG's grey levels (0 for a blank image). */
  async pngStdDev(base64) {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let sumSquares = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const grey = (data[i] + data[i + 1] + data[i + 2]) / 3;
      sum += grey;
      sumSquares += grey * grey;
    }
    const mean = sum / n;
    return Math.sqrt(sumSquares / n - mean * mean);
  },
};
