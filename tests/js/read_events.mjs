// Reads iCalendar files with ical.js and answers their events as JSON:
// [{uid, sequence, status, start_utc, end_utc, method}], times as ISO 8601 in UTC.
// VTIMEZONE blocks in the file are registered first, as Thunderbird does, so TZID times
// resolve the way a client would resolve them.
//
// One process reads many files (starting node and loading ical.js cost more than reading one): each
// stdin line is {"ics": "..."}, each answer one stdout line, {"events": [...]} or {"error": "..."}.
// The time zones a file registered are forgotten before the next, so each is read as if alone.
import readline from "node:readline";
import ICAL from "ical.js";

function utc(time) {
  if (!time) return null;
  if (time.isDate) throw new Error("all-day events are not expected here");
  return new Date(time.toUnixTime() * 1000).toISOString();
}

function readEvents(input) {
  ICAL.TimezoneService.reset();
  const root = new ICAL.Component(ICAL.parse(input));
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
  const method = root.getFirstPropertyValue("method");
  return root.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const sequence = vevent.getFirstPropertyValue("sequence");
    return {
      uid: event.uid,
      sequence: sequence === null ? null : Number(sequence),
      status: vevent.getFirstPropertyValue("status"),
      start_utc: utc(event.startDate),
      end_utc: utc(event.endDate),
      method: method,
    };
  });
}

for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  let answer;
  try {
    answer = { events: readEvents(JSON.parse(line).ics) };
  } catch (error) {
    answer = { error: String((error && error.stack) || error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
