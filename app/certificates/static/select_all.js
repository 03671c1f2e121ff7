// The "select all" box of the eligibility table: hidden without JavaScript, where each box is ticked by hand.
document.querySelectorAll("[data-select-all]").forEach((master) => {
  const boxes = Array.from(document.querySelectorAll(`input[name="${master.dataset.selectAll}"]`));
  if (!boxes.length) return;
  master.hidden = false;
  const sync = () => {
    const ticked = boxes.filter((box) => box.checked).length;
    master.checked = ticked === boxes.length;
    master.indeterminate = ticked > 0 && ticked < boxes.length;
  };
  master.addEventListener("change", () => {
    boxes.forEach((box) => { box.checked = master.checked; });
    sync();
  });
  boxes.forEach((box) => box.addEventListener("change", sync));
});
