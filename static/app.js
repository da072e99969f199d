// Progressive enhancement only: every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  field.select();
  const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy link"; }, 2000); };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(done, () => document.execCommand("copy") && done());
  } else if (document.execCommand("copy")) {
    done();
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("button[data-print]")) window.print();
});

// The capture maps: a marker for each row of the captures table below the map, opening the
// caption, the photo and the job. Without JavaScript (or without tiles) the table is all there is.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-map]");
  if (!box || !window.L) return;
  const rows = [...document.querySelectorAll("table.captures tr[data-lat]")];
  const map = L.map(box, { scrollWheelZoom: false });
  L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
  const points = [];
  for (const row of rows) {
    const at = [Number(row.dataset.lat), Number(row.dataset.lng)];
    if (!Number.isFinite(at[0]) || !Number.isFinite(at[1])) continue;
    const popup = document.createElement("div");
    const title = document.createElement(row.dataset.href ? "a" : "strong");
    title.textContent = row.dataset.caption;
    if (row.dataset.href) title.href = row.dataset.href;
    popup.append(title);
    if (row.dataset.job) {
      const job = document.createElement("p");
      job.textContent = row.dataset.job;
      popup.append(job);
    }
    if (row.dataset.photo) {
      const img = document.createElement("img");
      img.src = row.dataset.photo;
      img.alt = "Photo: " + row.dataset.caption;
      img.className = "thumb";
      popup.append(img);
    }
    L.marker(at, { title: row.dataset.caption, alt: row.dataset.caption }).addTo(map).bindPopup(popup);
    points.push(at);
  }
  if (points.length) map.fitBounds(points, { padding: [30, 30], maxZoom: 15 });
});
