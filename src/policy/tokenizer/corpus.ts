/**
 * The built-in text glimpse-tiny's merges are learned from: plain English about images, charts,
 * videos and 3D scenes, and the answer formats glimpse's rewards parse (reasoning tags, boxes as
 * JSON, points, choices, numbers, time spans). Generated deterministically from word lists, so no
 * data file is needed and the tokenizer is the same on every machine.
 */

const OBJECTS = [
  'person', 'man', 'woman', 'child', 'dog', 'cat', 'horse', 'bird', 'car', 'truck', 'bus', 'bicycle', 'motorcycle', 'train', 'boat',
  'airplane', 'chair', 'table', 'sofa', 'bed', 'lamp', 'window', 'door', 'cup', 'bottle', 'plate', 'book', 'phone', 'laptop', 'clock',
  'tree', 'flower', 'house', 'building', 'bridge', 'road', 'sign', 'traffic light', 'umbrella', 'bag', 'ball', 'kite', 'apple', 'banana',
  'sandwich', 'pizza', 'cake', 'circle', 'square', 'triangle', 'rectangle', 'star', 'arrow', 'line', 'bar', 'point', 'cube', 'sphere',
];
const COLORS = ['red', 'green', 'blue', 'yellow', 'black', 'white', 'orange', 'purple', 'brown', 'gray', 'pink', 'dark', 'light'];
const PLACES = ['on the left', 'on the right', 'at the top', 'at the bottom', 'in the center', 'next to the window', 'behind the table', 'in front of the house', 'near the road', 'under the tree'];
const VERBS = ['standing', 'sitting', 'walking', 'running', 'holding', 'looking at', 'lying on', 'parked near', 'flying over', 'crossing'];

const PROSE = `A vision-language model reads an image and a question, thinks step by step, and writes an answer.
The image shows a street scene with several people, two cars and a traffic light. The light is green.
Count the objects carefully: first find every instance, then check that no object was counted twice.
The chart has a title, an x axis with years from 2010 to 2024, a y axis with values in thousands, and a legend.
Which bar is the highest? The highest bar belongs to the year 2021, and its value is about 45 thousand.
The answer must be inside the answer tags, and the reasoning must be inside the think tags.
Locate the object and report its bounding box as [x1, y1, x2, y2] in pixel coordinates of the input image.
The region of interest is small, so zoom in on the crop before answering the question about its text.
In the video, the person opens the door at 12.5 seconds and leaves the room at 20.1 seconds.
The event starts at 00:12 and ends at 00:20; the whole clip lasts one minute and thirty seconds.
The scene contains a table, four chairs and a lamp; the lamp is to the left of the sofa and above the floor.
The distance between the two points is computed with the Pythagorean theorem: the square root of the sum of squares.
If the triangle has sides 3, 4 and 5, then it is a right triangle and its area is 6 square units.
The probability of drawing a red ball from the box is the number of red balls divided by the total number of balls.
The time series rises steadily until March, drops sharply in April, and recovers slowly during the summer months.
The SVG program draws a blue circle with radius 40 at the center and a red rectangle in the upper right corner.
Rewards are computed by comparing the prediction with the ground truth: intersection over union for boxes, accuracy for choices.
The policy samples several answers for each prompt; the group advantage compares each reward with the mean of its group.
A good answer is short, correct and well formatted. A wrong answer receives no reward, even if the format is right.
Question: What color is the umbrella held by the woman? Options: A. red B. blue C. green D. yellow
Question: How many people are in the picture? Answer with a single number.
Question: Is the cat on the sofa or under the table? Explain your reasoning before you answer.
Describe the image in detail, including the objects, their colors, their positions and what the people are doing.
The text on the sign says "STOP", and the number on the bus is 42. The clock shows a quarter past three.
Because the shadow points to the right, the sun must be on the left side of the image, so it is probably morning.
The model should not guess; when the image does not contain the answer, it should say that it cannot tell.
Training on synthetic tasks with verifiable rewards teaches the model to ground its answers in the visual evidence.
`;

function pick<T>(xs: readonly T[], i: number): T {
  return xs[i % xs.length]!;
}

/** The corpus as a list of documents. */
export function builtinCorpus(): string[] {
  const docs: string[] = [PROSE];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const o = pick(OBJECTS, rnd(OBJECTS.length));
    const c = pick(COLORS, rnd(COLORS.length));
    const p = pick(PLACES, rnd(PLACES.length));
    const v = pick(VERBS, rnd(VERBS.length));
    const o2 = pick(OBJECTS, rnd(OBJECTS.length));
    const x1 = rnd(500);
    const y1 = rnd(500);
    const box = `[${x1}, ${y1}, ${x1 + 10 + rnd(400)}, ${y1 + 10 + rnd(400)}]`;
    switch (i % 8) {
      case 0:
        lines.push(`Please output the bounding box of the ${c} ${o} in JSON format.`, `<think>The ${c} ${o} is ${p}, ${v} the ${o2}.</think><answer>{"bbox_2d": ${box}, "label": "${o}"}</answer>`);
        break;
      case 1:
        lines.push(`How many ${o}s are there in the image?`, `<think>I count the ${o}s one by one: there are ${1 + rnd(9)} of them ${p}.</think><answer>${1 + rnd(9)}</answer>`);
        break;
      case 2:
        lines.push(`Which option describes the ${o} ${p}? A. ${c} B. ${pick(COLORS, i + 3)} C. ${pick(COLORS, i + 5)} D. ${pick(COLORS, i + 7)}`, `<think>The ${o} looks ${c}.</think><answer>A</answer>`);
        break;
      case 3:
        lines.push(`Point to the ${c} ${o}.`, `<answer>{"point_2d": [${rnd(800)}, ${rnd(600)}], "label": "${c} ${o}"}</answer>`);
        break;
      case 4:
        lines.push(`When does the ${o} appear in the video?`, `<answer>${rnd(60)}.${rnd(10)} - ${60 + rnd(60)}.${rnd(10)} seconds</answer>`);
        break;
      case 5:
        lines.push(`There is a ${c} ${o} ${p}, and a ${pick(COLORS, i)} ${o2} ${v} it.`);
        break;
      case 6:
        lines.push(`The ${o} is ${v} the ${o2} ${p}. Its box is ${box} and its area is ${rnd(90000)} pixels.`);
        break;
      default:
        lines.push(`Q: What is the ${c} ${o} doing? A: It is ${v} the ${o2}. \\boxed{${rnd(100)}}`);
    }
  }
  docs.push(lines.join('\n'));
  return docs;
}
