#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# An independent Modbus TCP server (pymodbus) holding literal register words
# of a KPM31-like and a KLEFR-like map, for cross-checking libmeter's client.
# Prints "tcp:127.0.0.1:PORT" when listening ("rtu-tcp:…" with a second argument
# "rtu": RTU frames in the TCP stream); exits after SECONDS or when its standard
# input closes.
import asyncio
import struct
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server.async_io import ModbusTcpServer


def floats(values):
    words = []
    for v in values:
        hi, lo = struct.unpack(">HH", struct.pack(">f", v))
        words += [hi, lo]
    return words


def klefr_slave():
    # registers 0x4000.. and 0x5000.. and 0x6000.. of the KLEFR map (seed 000 App. 3)
    hr = [0] * 0x7000
    hr[0x4000:0x4002] = [0x1307, 0x0042]          # serial 13070042
    hr[0x4003] = 7                                 # Modbus id
    hr[0x4004] = 9600
    hr[0x4010] = 0x0025                            # LCD cycle 25 s (HEX digits)
    hr[0x4012] = ord('R')                          # current direction
    hr[0x5000:0x5008] = floats([229.9, 229.9])     # voltage, L1 voltage
    hr[0x5008:0x500A] = floats([49.98])
    hr[0x5012:0x5014] = floats([1.2345])           # kW
    hr[0x6000:0x6002] = floats([16048.14])
    hr[0x600C:0x600E] = floats([6913.46])
    hr[0x6018:0x601A] = floats([9134.68])
    hr[0x6048] = 2                                 # tariff
    return ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, hr), zero_mode=True)


def kpm31_slave():
    hr = [0] * 0x200
    hr[0x0000:0x0003] = [1234, 5, 3]               # password, address, baud code 3 = 4800
    hr[0x0030:0x003E] = floats([231.5, 4.25, 980.5, 120.25, 983.75, 0.99, 50.01])
    hr[0x0080:0x0086] = floats([321.5, 300.25, 21.25])
    hr[0x016C:0x016E] = floats([77.5])             # valley active, this month
    co = [0] * 16
    co[1] = 1                                      # relay on
    return ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, hr),
                              co=ModbusSequentialDataBlock(0, co), zero_mode=True)


async def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30
    rtu = len(sys.argv) > 2 and sys.argv[2] == "rtu"
    context = ModbusServerContext(slaves={7: klefr_slave(), 5: kpm31_slave()}, single=False)
    if rtu:
        from pymodbus.transaction import ModbusRtuFramer
        server = ModbusTcpServer(context, framer=ModbusRtuFramer, address=("127.0.0.1", 0))
    else:
        server = ModbusTcpServer(context, address=("127.0.0.1", 0))
    serving = asyncio.ensure_future(server.serve_forever())
    while server.server is None:
        await asyncio.sleep(0.01)
    port = server.server.sockets[0].getsockname()[1]
    print(f"{'rtu-tcp' if rtu else 'tcp'}:127.0.0.1:{port}", flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    await asyncio.wait([stdin_closed, asyncio.ensure_future(asyncio.sleep(seconds))],
                       return_when=asyncio.FIRST_COMPLETED)
    await server.shutdown()
    serving.cancel()
    import os
    os._exit(0)


asyncio.run(main())
