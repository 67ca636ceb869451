// Test support: the fake Telnyx lives with the demo phone (relay/sms/demo-phone/), which `npm start`
// runs for the demo shop; tests import it from here as before.
export * from '../sms/demo-phone/fake-telnyx.js';
export * from '../sms/demo-phone/fake-voice.js';
