// Reads an iCalendar file on stdin with ical.js and prints its events as JSON:
// [{uid, sequence, status, start_utc, end_utc, method}], times as ISO 8601 in UTC.
// VTIMEZONE blocks in the file are registered first, as Thunderbird does, so TZID times
// resolve the way a client would resolve them.
import ICAL from "ical.js";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;

const root = new ICAL.Component(ICAL.parse(input));
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
}
const method = root.getFirstPropertyValue("method");

function utc(time) {
  if (!time) return null;
  if (time.isDate) throw new Error("all-day events are not expected here");
  return new Date(time.toUnixTime() * 1000).toISOString();
}

const events = root.getAllSubcomponents("vevent").map((vevent) => {
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
process.stdout.write(JSON.stringify(events));
