# Target armhf (32-bit ARM, hard float): native/ only. The package source here serves no linux-arm
# .NET package of any kind (ILCompiler, NativeAOT pack, even the JIT runtime: NU1101), so no daemon.
CROSS_TRIPLE=arm-linux-gnueabihf
CROSS_RID=                            # none: see docs/cross.md
CROSS_DEB_ARCH=armhf
CROSS_SYSROOT=/usr/arm-linux-gnueabihf
CROSS_QEMU=qemu-arm
CROSS_CC=arm-linux-gnueabihf-gcc
CROSS_NEEDS=(
  "arm-linux-gnueabihf-gcc gcc-arm-linux-gnueabihf"
  "/usr/arm-linux-gnueabihf/lib/crti.o libc6-dev-armhf-cross"
  "qemu-arm qemu-user"
)
