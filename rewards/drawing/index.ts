/** Drawing rewards: render-based checks of SVG programs (drawing.shapes). */
import './shapes.js';
export { DrawingShapesParams, DRAWING_SHAPES, drawingShapesReward, scoreDrawing, shapeFromFill, type DrawingShape } from './shapes.js';
