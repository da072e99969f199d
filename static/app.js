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

// Passkeys (WebAuthn): only with JavaScript and a browser that has them; the password and the
// authenticator app's code work without either. Binary fields travel as base64url.
const fromB64 = (text) => {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = plain + "=".repeat((4 - (plain.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
};
const toB64 = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const postForm = (url, fields) => fetch(url, { method: "POST", body: new URLSearchParams(fields), credentials: "same-origin" });

document.addEventListener("DOMContentLoaded", () => {
  if (!window.PublicKeyCredential) return;
  for (const button of document.querySelectorAll("button[data-passkey]")) button.hidden = false;
  for (const status of document.querySelectorAll("[data-passkey-status]")) {
    if (status.textContent.includes("JavaScript")) status.textContent = "";
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-passkey]");
  if (!button || !window.PublicKeyCredential) return;
  const form = button.closest("[data-passkey-form]");
  const csrf = form.querySelector("[name=csrf]").value;
  const status = form.querySelector("[data-passkey-status]");
  const fail = async (response) => {
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const said = page.querySelector("main p");
    throw new Error(said ? said.textContent : "the server refused it");
  };
  try {
    if (button.dataset.passkey === "register") {
      const password = form.querySelector("[name=password]").value;
      const asked = await postForm("/account/passkeys/options", { csrf, password });
      if (!asked.ok) await fail(asked);
      const options = (await asked.json()).publicKey;
      options.challenge = fromB64(options.challenge);
      options.user.id = fromB64(options.user.id);
      for (const known of options.excludeCredentials || []) known.id = fromB64(known.id);
      // Kept on the authenticator where it can, so it also signs in without a password.
      options.authenticatorSelection = { ...(options.authenticatorSelection || {}), residentKey: "preferred", requireResidentKey: false };
      const made = await navigator.credentials.create({ publicKey: options });
      const credential = JSON.stringify({
        id: made.id, rawId: toB64(made.rawId), type: made.type, extensions: {},
        response: { attestationObject: toB64(made.response.attestationObject), clientDataJSON: toB64(made.response.clientDataJSON) },
      });
      const kept = await postForm("/account/passkeys", { csrf, credential });
      if (!kept.ok) await fail(kept);
      window.location = kept.url;
    } else {
      const asked = await postForm("/login/passkey/options", { csrf });
      if (!asked.ok) await fail(asked);
      const options = (await asked.json()).publicKey;
      options.challenge = fromB64(options.challenge);
      for (const allowed of options.allowCredentials || []) allowed.id = fromB64(allowed.id);
      const signed = await navigator.credentials.get({ publicKey: options });
      const response = signed.response;
      const credential = JSON.stringify({
        id: signed.id, rawId: toB64(signed.rawId), type: signed.type, extensions: {},
        response: {
          authenticatorData: toB64(response.authenticatorData), clientDataJSON: toB64(response.clientDataJSON),
          signature: toB64(response.signature), userHandle: response.userHandle ? toB64(response.userHandle) : null,
        },
      });
      const done = await postForm("/login/passkey", { csrf, credential });
      if (!done.ok) await fail(done);
      window.location = done.url;
    }
  } catch (error) {
    status.textContent = "The passkey did not work: " + error.message;
  }
});
