console.error("控制台错误");
