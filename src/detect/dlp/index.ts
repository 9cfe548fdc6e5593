/** DLP sensors: the table, the validators' building blocks tests and rules reuse, and the scanner. */
export { compileDlp, DlpScanner, DlpStream } from './scanner.js';
export type { DlpFinding, DlpFindingHandler, DlpOptions, DlpStats } from './scanner.js';
export { DLP_SENSOR_NAMES, DLP_SENSORS } from './sensors.js';
export type { DlpPattern, DlpSensor } from './sensors.js';
export { cardBrand, crc32, IBAN_LENGTHS, ibanMod97, luhnValid } from './validators.js';
export type { CardBrand } from './validators.js';
