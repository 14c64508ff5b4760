// The `device` global (ECMA-419 host provider, module "embedded:provider/builtin") of the onemac reference board:
// a classic ESP32 module managing a Broadcom BCM53125 switch chip over SPI. Management only: nothing of the switch's
// data path (its IMP port) reaches the ESP32. Wiring and the reasons for each pin: docs/hardware.md.
//
// main.ts reads device.SPI.default, device.pin.switchReset and device.io.{SPI, Digital}; the console takes
// device.Serial.default (UART0, the USB serial port) in release builds, where no debugger owns that UART.

import Digital from "embedded:io/digital";
import Serial from "embedded:io/serial";
import SPI from "embedded:io/spi";

// ESP-IDF numbers the SPI hosts SPI1_HOST = 0 (flash), SPI2_HOST = 1 (HSPI), SPI3_HOST = 2 (VSPI).
const HSPI = 1;

const device = {
	io: {Digital, Serial, SPI},
	SPI: {
		default: {
			io: SPI,
			port: HSPI,
			// HSPI's IOMUX pins: they bypass the GPIO matrix, which keeps 20 MHz reads reliable.
			clock: 14,
			out: 13,	// MOSI -> BCM53125 SPI data in
			in: 12,		// MISO <- BCM53125 SPI data out. GPIO12 is the flash-voltage strap: see docs/hardware.md
			select: 15,	// software chip select: asserted from the first transfer() until flush(true)
			active: 0,
			// Broadcom's SDK runs the BCM53125 SPI at 20 MHz (shared/facts/switch-chips.md §1.1, "Max SPI clock").
			hz: 20_000_000,
			// ASSUMPTION (shared/facts/switch-chips.md §1.1 marks the SPI mode UNCERTAIN): mode 3 (CPOL 1, CPHA 1),
			// the mode commonly used with this chip. If the chip ID reads back as all ones or all zeros on a real
			// board, try mode 0 here before suspecting the wiring.
			mode: 3
		}
	},
	Serial: {
		default: {
			io: Serial,
			port: 0,		// UART0: the USB serial port of devkits; free for the console in release builds only
			transmit: 1,
			receive: 3
		}
	},
	pin: {
		switchReset: 5		// BCM53125 RESET_N, active low; main.ts pulses it low at boot
	}
};

export default device;
