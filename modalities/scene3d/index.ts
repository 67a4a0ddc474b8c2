/** The scene3d modality: PLY/JSON point clouds, orbit cameras, z-buffered splat rendering, box projection, view ranking, adapter. */
export { parseSceneJson, parseBoxes3D, SceneLimitsSchema, type PointCloud, type Scene, type SceneLimits } from './cloud.js';
export { parsePly, looksLikePly } from './ply.js';
export { orbitCameras, lookAt, project, toCamera, sceneBounds, boxCorners, insideBox, BOX_EDGES, type Camera, type SceneBounds, type Vec3, type Mat3 } from './camera.js';
export { renderView, projectBox, autoPointSize, BOX_PALETTE, type Box2D, type RenderedView, type ViewRenderOptions } from './render.js';
export { rankViews, pointsInBoxes, type ViewScore, type TargetScore } from './select.js';
export { readScene, renderScene, resolveTargets, type SceneRender, type SceneRenderOptions, type SceneView } from './scene.js';
export { syntheticRoom, encodePly } from './synthetic.js';
export { scene3dAdapter, Scene3dPrepareOptionsSchema, type Scene3dPrepareOptions } from './adapter.js';
