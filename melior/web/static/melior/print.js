// The printable PDSA page opens the print dialog when linked as …/print/#print.
window.addEventListener("load", function () {
  if (location.hash === "#print") window.print();
});
