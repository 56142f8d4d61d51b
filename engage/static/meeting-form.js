// Live preview of the typed time in the meeting's zone, Nairobi and Geneva. The server shows the
// same after submitting ("Show the times"), so this only saves a round trip.
(function () {
  var form = document.getElementById("meeting-form");
  if (!form || !window.Intl) return;
  var out = document.getElementById("time-preview");
  var el = function (id) { return document.getElementById(id); };
  var word = window.engageWord || function (key, english, values) {
    return english.replace(/\{(\w+)\}/g, function (all, name) { return values[name]; });
  };
  var NAMES = {"Africa/Nairobi": word("Nairobi", "Nairobi"), "Europe/Zurich": word("Geneva", "Geneva")};
  function parts(ms, zone, extra) {
    var opts = {timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
                minute: "2-digit", hourCycle: "h23"};
    var o = {};
    new Intl.DateTimeFormat("en-GB", opts).formatToParts(new Date(ms)).forEach(function (p) { o[p.type] = p.value; });
    return o;
  }
  function wallOf(ms, zone) {
    var o = parts(ms, zone);
    return Date.UTC(+o.year, +o.month - 1, +o.day, +o.hour, +o.minute);
  }
  function candidates(date, time, zone) {
    var d = date.split("-").map(Number), t = time.split(":").map(Number);
    var wall = Date.UTC(d[0], d[1] - 1, d[2], t[0], t[1]);
    var found = [];
    [-3, 3].forEach(function (h) {
      var probe = wall + h * 3600000;
      var ms = wall - (wallOf(probe, zone) - probe);
      if (wallOf(ms, zone) === wall && found.indexOf(ms) < 0) found.push(ms);
    });
    return found.sort();
  }
  function abbr(ms, zone) {
    if (zone === "Africa/Nairobi") return "EAT";  // browsers only know it as GMT+3
    var names = ["en-GB", "en-US"].map(function (locale) {
      var p = new Intl.DateTimeFormat(locale, {timeZone: zone, timeZoneName: "short"}).formatToParts(new Date(ms));
      var z = p.filter(function (x) { return x.type === "timeZoneName"; })[0];
      return z ? z.value : "";
    });
    return names.filter(function (n) { return n && !/^GMT[+-]/.test(n); })[0] || names[0];
  }
  function hm(ms, zone) {
    return new Intl.DateTimeFormat("en-GB", {timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23"}).format(new Date(ms));
  }
  // The page's language (<html lang>): a French page reads the day as the server writes it, "mardi 6 juillet 2027".
  var lang = (document.documentElement.getAttribute("lang") || "en").split("-")[0];
  function day(ms, zone) {
    if (lang !== "en") {
      return new Intl.DateTimeFormat(lang, {timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric"})
        .format(new Date(ms));
    }
    var o = {};
    new Intl.DateTimeFormat("en-GB", {timeZone: zone, weekday: "short", day: "numeric", month: "short", year: "numeric"})
      .formatToParts(new Date(ms)).forEach(function (p) { o[p.type] = p.value; });
    return o.weekday + " " + o.day + " " + o.month + " " + o.year;
  }
  function label(zone) { return NAMES[zone] || zone.split("/").pop().replace(/_/g, " "); }
  function update() {
    var date = el("date").value, start = el("start_time").value, end = el("end_time").value, zone = el("timezone").value;
    if (!date || !start || !end || !zone) { out.textContent = "—"; return; }
    var s = candidates(date, start, zone), e = candidates(date, end, zone);
    if (!s.length || !e.length) { out.textContent = word("timeGap", "That time does not exist in {zone} on that day (the clocks go forward).", {zone: label(zone)}); return; }
    if (s.length > 1 || e.length > 1) {
      var chosen = document.querySelector ? document.querySelector('input[name="fold"]:checked') : null;
      if (!chosen) { out.textContent = word("timeFold", "That time happens twice in {zone} on that day (the clocks go back): you will be asked which.", {zone: label(zone)}); return; }
      var fold = +chosen.value;
      s = [s[Math.min(fold, s.length - 1)]];
      e = [e[Math.min(fold, e.length - 1)]];
    }
    if (e[0] <= s[0]) { out.textContent = word("endBeforeStart", "The end must be after the start."); return; }
    var zones = [zone].concat(["Africa/Nairobi", "Europe/Zurich"].filter(function (z) { return z !== zone; }));
    var ownDay = day(s[0], zone);
    out.textContent = zones.map(function (z, i) {
      var prefix = (i === 0 || day(s[0], z) !== ownDay) ? day(s[0], z) + ", " : "";
      return prefix + word("zoneTime", "{time} {city} ({abbreviation})",
        {time: hm(s[0], z) + "–" + hm(e[0], z), city: label(z), abbreviation: abbr(s[0], z)});
    }).join(" · ");
  }
  ["date", "start_time", "end_time", "timezone"].forEach(function (id) {
    var input = el(id);
    if (input) { input.addEventListener("input", update); input.addEventListener("change", update); }
  });
  if (document.querySelectorAll) {
    Array.prototype.forEach.call(document.querySelectorAll('input[name="fold"]'), function (radio) {
      radio.addEventListener("change", update);
    });
  }
  // A new booking whose zone nobody chose follows the attendees: the zone most of them are in
  // (each option's data-zone), until the zone is changed by hand.
  var zone = el("timezone");
  if (zone && zone.hasAttribute && zone.hasAttribute("data-follow-attendees")) {
    var following = true, moving = false;
    zone.addEventListener("change", function () { if (!moving) following = false; });
    var follow = function () {
      if (!following) return;
      var counts = {};
      ["required_contact_ids", "optional_contact_ids"].forEach(function (id) {
        var select = el(id);
        if (!select) return;
        Array.prototype.forEach.call(select.selectedOptions || [], function (option) {
          var z = option.getAttribute("data-zone");
          if (z) counts[z] = (counts[z] || 0) + 1;
        });
      });
      var ranked = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; });
      if (!ranked.length || (ranked.length > 1 && counts[ranked[0]] === counts[ranked[1]])) return;
      if (zone.value === ranked[0] || !zone.querySelector('option[value="' + ranked[0] + '"]')) return;
      moving = true;
      zone.value = ranked[0];
      zone.dispatchEvent(new Event("change"));
      moving = false;
    };
    ["required_contact_ids", "optional_contact_ids"].forEach(function (id) {
      var select = el(id);
      if (select) select.addEventListener("change", follow);
    });
  }
  var btn = el("preview-button");
  if (btn) btn.hidden = true;
  update();
})();
