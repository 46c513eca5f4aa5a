throw new Error("坏脚本");
