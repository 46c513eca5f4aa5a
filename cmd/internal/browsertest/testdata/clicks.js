// Counts the click and dblclick events of the button #counted.
var counted = document.getElementById("counted");
counted.dataset.clicks = "0";
counted.dataset.dblclicks = "0";
counted.addEventListener("click", function () { counted.dataset.clicks = String(+counted.dataset.clicks + 1); });
counted.addEventListener("dblclick", function () { counted.dataset.dblclicks = String(+counted.dataset.dblclicks + 1); });
