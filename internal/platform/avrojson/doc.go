// Package avrojson maps between Avro values and the JSON people write by hand and read with
// jq, driven by an Avro schema. It is what `novatrek publish` reads and `novatrek consume`
// prints.
//
// The mapping ("natural JSON", not the Avro JSON encoding):
//
//   - record: an object keyed by field name; omitted fields take the schema default, a
//     field without one is a "required field is missing" error; unknown names are errors.
//   - union: the plain value, or null. For unions of several non-null types the Avro
//     wrapped form {"type-name": value} is accepted on input too; output is always plain.
//   - enum: the symbol as a string.
//   - bytes and fixed: base64 (standard alphabet, padded).
//   - decimal (bytes or fixed): a decimal string with the schema's scale, e.g. "12.50";
//     input also accepts a JSON number and fewer decimal places.
//   - timestamp-millis / timestamp-micros: RFC 3339 in UTC with 3 / 6 decimals; input takes
//     any RFC 3339 time (or epoch units as a number) but refuses precision it would lose.
//   - local-timestamp-*: the same without a zone; date: "2006-01-02"; time-millis/micros:
//     "15:04:05.000" / "15:04:05.000000"; uuid: the string, checked to be a UUID.
//   - float and double: JSON numbers; NaN and the infinities as the strings "NaN",
//     "Infinity" and "-Infinity".
//
// Errors name the path of the offending value ("total_price.currency: expected string, got
// number", "participants[1].age_group: ...") so a bad line in a file can be fixed by eye.
//
// [Compile] turns a schema into a [Codec] once (cached per schema); a Codec appends bytes
// directly in both directions without building maps on the Avro-to-JSON side, which is what
// lets `consume` print hundreds of thousands of records a second.
package avrojson
